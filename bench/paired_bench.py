#!/usr/bin/python3
"""Paired wall-clock comparison of two odonata binaries (issue 13: the whole
`odonata estimate` process under 15 ms on 2 cores). Runs A and B alternately
(ABBA order), each started with posix_spawn and its output sent to /dev/null,
and prints for each the median, quartiles and minimum of the wall clock and the
median CPU time (user + sys from wait4), and in how many pairs B was faster.
Alternating keeps a change in the machine's load from favouring one side; on
a shared machine run it when `pgrep -f tools/ort/run.js` prints nothing and
give the load average with the result. A benchmark, not a test.

Usage: bench/paired_bench.py A B [PAIRS] [-- ARGS...]
       (default ARGS: estimate models/resnet50.onnx --platform jetson-nano)
"""
import os
import statistics
import sys
import time

from bench_args import split_args


def main(argv):
    head, args = split_args(argv)
    if len(head) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[-2].strip())
    a, b = (os.path.abspath(x) for x in head[:2])
    pairs = int(head[2]) if len(head) == 3 else 100
    devnull = os.open(os.devnull, os.O_WRONLY)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]

    def run(binary):
        start = time.perf_counter()
        pid = os.posix_spawn(binary, [binary] + args, os.environ, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = (time.perf_counter() - start) * 1e3
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{binary} {' '.join(args)}: exit status {os.waitstatus_to_exitcode(status)}")
        return wall, (usage.ru_utime + usage.ru_stime) * 1e3

    results = {a: [], b: []}
    for i in range(pairs):
        order = (a, b) if i % 2 == 0 else (b, a)
        for binary in order:
            results[binary].append(run(binary))
    print(f"{pairs} pairs of: {' '.join(args)}; load average {os.getloadavg()[0]:.2f} at the end")
    for name, label in ((a, "A"), (b, "B")):
        wall = sorted(w for w, _ in results[name])
        cpu = statistics.median(c for _, c in results[name])
        q = statistics.quantiles(wall, n=4)
        print(f"{label} {name}: wall median {statistics.median(wall):.2f} ms (quartiles {q[0]:.2f}-{q[2]:.2f}, "
              f"min {wall[0]:.2f}); CPU median {cpu:.2f} ms")
    faster = sum(1 for (wa, _), (wb, _) in zip(results[a], results[b]) if wb < wa)
    print(f"B faster in {faster} of {pairs} pairs")


if __name__ == "__main__":
    main(sys.argv[1:])
