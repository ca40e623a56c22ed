#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare builds of pgtrace on one command and trace, in rounds.

Each round runs every binary once, in an order shuffled anew each round
(a fixed order lets a drift of the machine's speed, or whatever the run
before leaves behind, favour one side), and the result of each binary is
given both as its fastest and median run and as the median of its
per-round ratio to the first binary: the paired ratio, which a machine
whose speed drifts between rounds moves least.  A difference is worth
believing only when the paired ratios of several such runs agree, and when
the first binary against a copy of itself (give it twice) stays near 1.

Usage: bench/ab.py [-n ROUNDS] [--seed N] TRACE [ARG...] -- BINARY...
Each binary runs as BINARY ARG... TRACE, its output thrown away; exit
status 0 or 1 (diff: the sides differ) counts as a run, anything else
stops the comparison (status 2).
"""
import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time


def run(binary, args, trace):
    """Wall and CPU seconds (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    status = subprocess.run([binary] + args + [trace],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if status not in (0, 1):
        print(f"bench/ab.py: {binary} {' '.join(args)} {trace}: exit status {status}",
              file=sys.stderr)
        sys.exit(2)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    if "--" not in sys.argv:
        print("usage: bench/ab.py [-n ROUNDS] [--seed N] TRACE [ARG...] -- BINARY...",
              file=sys.stderr)
        sys.exit(2)
    cut = sys.argv.index("--")
    p = argparse.ArgumentParser(prog="bench/ab.py")
    p.add_argument("-n", type=int, default=8, help="rounds (default 8)")
    p.add_argument("--seed", type=int, default=None,
                   help="for the shuffles (default: a new one each time)")
    p.add_argument("trace")
    p.add_argument("args", nargs=argparse.REMAINDER)
    o = p.parse_args(sys.argv[1:cut])
    binaries = sys.argv[cut + 1:]
    if o.n < 1 or not binaries:
        p.error("needs at least one round and one binary")
    for b in binaries:
        if not os.access(b, os.X_OK):
            p.error(f"{b}: not an executable")
    if not os.path.exists(o.trace):
        p.error(f"{o.trace}: no such file")
    rng = random.Random(o.seed)
    runs = [[] for _ in binaries]
    for _ in range(o.n):
        order = list(range(len(binaries)))
        rng.shuffle(order)
        for i in order:
            runs[i].append(run(binaries[i], o.args, o.trace))
    for i, b in enumerate(binaries):
        wall = [r[0] for r in runs[i]]
        cpu = [r[1] for r in runs[i]]
        pw = statistics.median(r[0] / f[0] for r, f in zip(runs[i], runs[0]))
        pc = statistics.median(r[1] / f[1] for r, f in zip(runs[i], runs[0]))
        print(f"{i + 1}. {b}: wall min {min(wall):.2f} median "
              f"{statistics.median(wall):.2f} s, CPU min {min(cpu):.2f} median "
              f"{statistics.median(cpu):.2f} s; paired ratio to 1.: wall "
              f"{pw:.3f}, CPU {pc:.3f}")


if __name__ == "__main__":
    main()
