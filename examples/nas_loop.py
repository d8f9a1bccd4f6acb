#!/usr/bin/env python3
"""A neural-architecture-search loop with odonata: build candidate CNNs in Python (onnx.helper, see
nas_space.py), estimate each on every platform profile and operating mode, keep the Pareto front of
(latency, energy, capacity).

    /usr/bin/python3 examples/nas_loop.py --samples 200 [--json front.json]

Each candidate is loaded once from bytes; odonata.estimate_grid estimates it on every platform in one
call (the network is fused once per set of fusion rules, each estimate is a pass over its layers).
"""
import argparse
import time

import odonata
import nas_space


def search(candidates, platforms):
    """(macs, latency[i][j], energy[i][j]) of every candidate on every platform."""
    models = [odonata.load(nas_space.build(c), name=nas_space.name(c)) for c in candidates]
    latency = [[cell[0] for cell in row] for row in odonata.estimate_grid(models, platforms)]
    energy = [[cell[0] for cell in row] for row in odonata.estimate_grid(models, platforms, field="energy_mj")]
    return [m.macs for m in models], latency, energy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="candidates drawn from the space (720 in all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the front to this file")
    args = parser.parse_args(argv)

    platforms = odonata.platforms(modes=True)
    candidates = nas_space.sample(args.samples, args.seed)
    start = time.perf_counter()
    macs, latency, energy = search(candidates, platforms)
    seconds = time.perf_counter() - start
    rows = nas_space.front_rows(candidates, macs, [p.name for p in platforms], latency, energy)
    nas_space.report(rows, f"{len(candidates)} candidates x {len(platforms)} platforms estimated in {seconds:.2f} s",
                     args.json)


if __name__ == "__main__":
    main()
