#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a synthetic native pgtrace trace (pgtrace-trace(5)) for benchmarks.

The trace keeps a fixed number of live pgds under pgd_alloc/pgd_free churn,
maps and unmaps non-overlapping vmalloc areas, marks direct-map pages
read-only with cpa and later restores them, and issues accesses from task,
irq and nmi context, with rare syncs.  The output is gzip-compressed.

Everything is derived from --seed, so two runs with the same arguments
write the same trace.
"""
import argparse
import gzip
import random
import shutil
import subprocess
import sys

PAGE = 4096
MiB = 1 << 20

# The 2.6.21 layout for 3G/1G with 896 MiB of lowmem (pgtrace layout).
PAGE_OFFSET = 0xC0000000
LOWMEM = 896 * MiB
VMALLOC_START = 0xF8800000
VMALLOC_END = 0xFFBFE000

# vmalloc slots: 16 pages each, a mapping takes 1..15 of them so that a
# guard page always follows it, as vmalloc leaves one.
SLOT_PAGES = 16
# cpa works on the direct map above the kernel image.
CPA_START = PAGE_OFFSET + 16 * MiB
CPA_PAGES = (LOWMEM - 16 * MiB) // PAGE


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--output", default="bench/trace-10m.gz",
                   help="output file (default: %(default)s)")
    p.add_argument("-n", "--events", type=int, default=10_000_000,
                   help="number of events (default: %(default)s)")
    p.add_argument("--pgds", type=int, default=10_000,
                   help="live pgds (default: %(default)s)")
    p.add_argument("--cpus", type=int, default=8,
                   help="CPUs that switch pgds (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1,
                   help="random seed (default: %(default)s)")
    p.add_argument("--level", type=int, default=6,
                   help="gzip level (default: %(default)s)")
    return p.parse_args()


class Generator:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.cpus = args.cpus
        self.live = []          # live pgd IDs; a list for random choice
        self.pos = {}           # ID -> index in self.live
        self.next_id = 1
        self.free_slots = list(range((VMALLOC_END - VMALLOC_START) //
                                     (SLOT_PAGES * PAGE)))
        self.rng.shuffle(self.free_slots)
        self.mapped = []        # (addr, pages) of live vmalloc mappings
        self.ro = []            # (addr, pages) marked kernel_ro, not restored
        self.current = {}       # cpu -> the pgd it has loaded

    def alloc(self, out):
        pgd = self.next_id
        self.next_id += 1
        self.pos[pgd] = len(self.live)
        self.live.append(pgd)
        out.append(f"pgd_alloc pgd={pgd} mm={pgd}")

    def free(self, out):
        # Never the pgd a CPU has loaded: the kernel frees none of those.
        while True:
            i = self.rng.randrange(len(self.live))
            pgd = self.live[i]
            if pgd not in self.current.values():
                break
        last = self.live.pop()
        if last != pgd:
            self.live[i] = last
            self.pos[last] = i
        del self.pos[pgd]
        out.append(f"pgd_free pgd={pgd}")

    def vmalloc(self, out):
        if not self.free_slots:
            return self.vfree(out)
        slot = self.free_slots.pop()
        addr = VMALLOC_START + slot * SLOT_PAGES * PAGE
        pages = self.rng.randint(1, SLOT_PAGES - 1)
        self.mapped.append((addr, pages))
        out.append(f"vmalloc addr={addr:#x} size={pages * PAGE:#x}")

    def vfree(self, out):
        if not self.mapped:
            return self.vmalloc(out)
        i = self.rng.randrange(len(self.mapped))
        addr, _ = self.mapped[i]
        self.mapped[i] = self.mapped[-1]
        self.mapped.pop()
        self.free_slots.append((addr - VMALLOC_START) // (SLOT_PAGES * PAGE))
        out.append(f"vfree addr={addr:#x}")

    def cpa(self, out):
        # Restore an earlier kernel_ro range, or make a new one.
        if self.ro and (len(self.ro) > 64 or self.rng.random() < 0.5):
            addr, pages = self.ro.pop(self.rng.randrange(len(self.ro)))
            out.append(f"cpa addr={addr:#x} pages={pages} prot=kernel")
        else:
            pages = self.rng.randint(1, 16)
            addr = CPA_START + self.rng.randrange(CPA_PAGES - pages) * PAGE
            self.ro.append((addr, pages))
            out.append(f"cpa addr={addr:#x} pages={pages} prot=kernel_ro")
        out.append("flush")

    def access(self, out):
        r = self.rng.random()
        ctx = "task" if r < 0.8 else "irq" if r < 0.97 else "nmi"
        if self.mapped and self.rng.random() < 0.7:
            addr, pages = self.mapped[self.rng.randrange(len(self.mapped))]
            addr += self.rng.randrange(pages * PAGE) & ~7
        else:
            addr = PAGE_OFFSET + (self.rng.randrange(LOWMEM) & ~7)
        pgd = self.live[self.rng.randrange(len(self.live))]
        out.append(f"access addr={addr:#x} pgd={pgd} ctx={ctx}")

    def switch(self, out, cpu=None):
        pgd = self.live[self.rng.randrange(len(self.live))]
        if cpu is None:
            cpu = self.rng.randrange(self.cpus)
        self.current[cpu] = pgd
        out.append(f"switch pgd={pgd} cpu={cpu}")

    def step(self, out):
        r = self.rng.random()
        if r < 0.05:                       # churn: a free and an alloc
            self.free(out)
            self.alloc(out)
        elif r < 0.10:
            self.vmalloc(out)
        elif r < 0.15:
            self.vfree(out)
        elif r < 0.152:                    # cpa + flush
            self.cpa(out)
        elif r < 0.15201:                  # about one sync in 100,000 events
            out.append("sync")
        elif r < 0.23:
            self.switch(out)
        else:
            self.access(out)


def open_output(path, level):
    """A gzip writer: gzip(1) in a second process when there is one."""
    if shutil.which("gzip"):
        f = open(path, "wb")
        proc = subprocess.Popen(["gzip", f"-{level}", "-c"],
                                stdin=subprocess.PIPE, stdout=f)
        return proc.stdin, (proc, f)
    return gzip.open(path, "wb", compresslevel=level), None


def main():
    args = parse_args()
    if args.pgds <= args.cpus or args.events < args.pgds + args.cpus:
        sys.exit("gen.py: need more pgds than CPUs and more events than both")
    g = Generator(args)
    w, proc = open_output(args.output, args.level)
    out = ["# pgtrace-trace 1",
           f"# bench/gen.py --events {args.events} --pgds {args.pgds} "
           f"--seed {args.seed}",
           f"machine page_offset={PAGE_OFFSET:#x} lowmem={LOWMEM // MiB}M "
           "pse=1 highmem=1 nx=1 kernel=2.6.21"]
    while len(g.live) < args.pgds:
        g.alloc(out)
    for cpu in range(args.cpus):
        g.switch(out, cpu)
    # Header, machine and comment lines are not events.
    events = len(out) - 3
    chunk = 100_000
    while events < args.events:
        w.write(("\n".join(out) + "\n").encode())
        out = []
        n = min(chunk, args.events - events)
        while len(out) < n:
            # Churn and cpa write two records; the last one is an access.
            if n - len(out) == 1:
                g.access(out)
            else:
                g.step(out)
        events += n
    w.write(("\n".join(out) + "\n").encode() if out else b"")
    w.close()
    if proc:
        p, f = proc
        if p.wait() != 0:
            sys.exit("gen.py: gzip failed")
        f.close()
    print(f"{args.output}: {events} events, {args.pgds} live pgds",
          file=sys.stderr)


if __name__ == "__main__":
    main()
