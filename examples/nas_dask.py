#!/usr/bin/env python3
"""The search of nas_loop.py spread over processes with Dask (python3-distributed) on a local cluster:
each task builds a batch of candidates and estimates them on every platform; the platforms are
pickled to the workers once (odonata.Platform pickles), the totals come back pickled (odonata.Totals).

    /usr/bin/python3 examples/nas_dask.py --samples 200 --workers 2 [--json front.json]

Same candidates and seed, same front as nas_loop.py, to the last bit.
"""
import argparse
import time

import odonata
import nas_space


def evaluate(batch, platforms):
    """In a worker: (macs, [odonata.Totals per platform]) of each candidate of the batch."""
    out = []
    for c in batch:
        model = odonata.load(nas_space.build(c), name=nas_space.name(c))
        out.append((model.macs, [odonata.totals(model, p) for p in platforms]))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=20, help="candidates per task")
    parser.add_argument("--json", help="also write the front to this file")
    args = parser.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    platforms = odonata.platforms(modes=True)
    candidates = nas_space.sample(args.samples, args.seed)
    batches = [candidates[i:i + args.batch] for i in range(0, len(candidates), args.batch)]
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.upload_file(nas_space.__file__)  # the workers import it too
        start = time.perf_counter()
        shared = client.scatter(platforms, broadcast=True)
        futures = client.map(evaluate, batches, platforms=shared, pure=False)
        results = [r for batch in client.gather(futures) for r in batch]
        seconds = time.perf_counter() - start
    macs = [m for m, _ in results]
    latency = [[t.total_ms for t in totals] for _, totals in results]
    energy = [[t.energy_mj for t in totals] for _, totals in results]
    rows = nas_space.front_rows(candidates, macs, [p.name for p in platforms], latency, energy)
    nas_space.report(rows, f"{len(candidates)} candidates x {len(platforms)} platforms on {args.workers} Dask workers "
                     f"in {seconds:.2f} s", args.json)


if __name__ == "__main__":
    main()
