#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a synthetic pgtrace trace for benchmarks: native or ftrace text.

--format native (pgtrace-trace(5)): a fixed number of live pgds under
pgd_alloc/pgd_free churn, non-overlapping vmalloc areas mapped and
unmapped, direct-map pages made read-only with cpa and later restored,
accesses from task, irq and nmi context, rare syncs.

--format ftrace: the text of /sys/kernel/tracing/trace with the probe set
of `pgtrace probes` on Linux 6.1 (formats/ftrace.c reads it; the real
example is ../shared/real/pti/trace.txt.gz): processes that fork, exec and
exit (sched_process_* with pgd_alloc/pgd_alloc_ret/pgd_free around them),
alloc_vmap_area/free_vmap_area with the arch_sync_kernel_mappings of each
new page table, lazy purges and cpa.

In both, pgd and mm addresses are reused as the kernel reuses them: a
freed pgd page is the next one allocated (the page allocator's per-CPU
lists are LIFO), so a replay sees the same pgd ID allocated again and again.
The output is gzip-compressed.  Everything is derived from --seed, so two
runs with the same arguments write the same trace.
"""
import argparse
import collections
import gzip
import random
import shutil
import subprocess
import sys

PAGE = 4096
MiB = 1 << 20

# The 2.6.21 layout for 3G/1G (pgtrace layout): lowmem from --lowmem, the
# vmalloc area 8 MiB above it; it ends where 6.1's does, so that a replay
# with --kernel=6.1 accepts the trace too when lowmem is at most 880 MiB.
PAGE_OFFSET = 0xC0000000
LOWMEM = 896 * MiB
VMALLOC_START = 0xF8800000
VMALLOC_END = 0xFEFFE000

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
    p.add_argument("--format", choices=("native", "ftrace"), default="native",
                   help="native trace or ftrace text (default: %(default)s)")
    p.add_argument("-n", "--events", type=int, default=10_000_000,
                   help="number of events (default: %(default)s)")
    p.add_argument("--pgds", type=int, default=10_000,
                   help="live pgds (processes for ftrace) (default: %(default)s)")
    p.add_argument("--cpus", type=int, default=8,
                   help="CPUs that switch pgds (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1,
                   help="random seed (default: %(default)s)")
    p.add_argument("--lowmem", type=int, default=896,
                   help="native: lowmem in MiB (default: %(default)s; at most "
                   "880 for a trace that --kernel=6.1 replays too)")
    p.add_argument("--level", type=int, default=6,
                   help="gzip level (default: %(default)s)")
    p.add_argument("--churn", type=float, default=5,
                   help="native: percent of steps that free a pgd and "
                   "allocate one (default: %(default)s; 41 makes pgd_alloc "
                   "29%% of the events, a machine that forks all the time)")
    return p.parse_args()


class Pages:
    """Addresses handed out LIFO: the last freed is the next allocated."""

    def __init__(self, start, step):
        self.next = start
        self.step = step
        self.freed = []

    def alloc(self):
        if self.freed:
            return self.freed.pop()
        a = self.next
        self.next += self.step
        return a

    def free(self, a):
        self.freed.append(a)


# Where pgd pages and mm_structs come from (direct map, below the cpa range).
PGD_PAGES = (0xC4000000, PAGE)
MM_OBJECTS = (0xC2000000, 0x340)


class Generator:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.cpus = args.cpus
        self.live = []          # live pgd IDs; a list for random choice
        self.pos = {}           # ID -> index in self.live
        self.pgd_pages = Pages(*PGD_PAGES)
        self.mm_objects = Pages(*MM_OBJECTS)
        self.mm_of = {}         # pgd -> its mm
        self.free_slots = list(range((VMALLOC_END - VMALLOC_START) //
                                     (SLOT_PAGES * PAGE)))
        self.rng.shuffle(self.free_slots)
        self.mapped = []        # (addr, pages) of live vmalloc mappings
        self.ro = []            # (addr, pages) marked kernel_ro, not restored
        self.current = {}       # cpu -> the pgd it has loaded
        self.churn = args.churn / 100

    def alloc(self, out):
        pgd = self.pgd_pages.alloc()
        mm = self.mm_objects.alloc()
        self.mm_of[pgd] = mm
        self.pos[pgd] = len(self.live)
        self.live.append(pgd)
        out.append(f"pgd_alloc pgd={pgd:#x} mm={mm:#x}")

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
        self.pgd_pages.free(pgd)
        self.mm_objects.free(self.mm_of.pop(pgd))
        out.append(f"pgd_free pgd={pgd:#x}")

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
        out.append(f"access addr={addr:#x} pgd={pgd:#x} ctx={ctx}")

    def switch(self, out, cpu=None):
        pgd = self.live[self.rng.randrange(len(self.live))]
        if cpu is None:
            cpu = self.rng.randrange(self.cpus)
        self.current[cpu] = pgd
        out.append(f"switch pgd={pgd:#x} cpu={cpu}")

    def step(self, out):
        r = self.rng.random()
        if r < self.churn:                 # churn: a free and an alloc
            self.free(out)
            self.alloc(out)
            return
        # the rest of the mix, in the proportions of the default 5 % churn
        r = 0.05 + (r - self.churn) / (1 - self.churn) * 0.95
        if r < 0.10:
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


# Linux 6.1, 3G/1G, 896 MiB of lowmem less what 6.1 reserves (pgtrace layout
# --kernel=6.1): the vmalloc area the ftrace reader learns from alloc_va.
VMALLOC61_START = 0xF77FE000
VMALLOC61_END = 0xFEFFE000
PMD_SIZE = 2 * MiB

FTRACE_HEADER = """# tracer: nop
#
# entries-in-buffer/entries-written: {n}/{n}   #P:{cpus}
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
"""

PROGRAMS = ["sh", "ls", "cat", "grep", "sed", "awk", "make", "cc1", "as",
            "ld", "python3", "modprobe", "udevadm", "systemctl", "sleep"]


class FtraceGenerator:
    """ftrace text of the probe set: one line per event."""

    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.cpus = args.cpus
        self.target = args.pgds
        self.t = 1.0                # seconds
        self.procs = []             # live processes: [pid, comm, mm, pgd]
        self.next_pid = 100
        self.pgd_pages = Pages(*PGD_PAGES)
        self.mm_objects = Pages(*MM_OBJECTS)
        self.va_objects = Pages(0xC3000000, 0x40)
        self.free_slots = list(range((VMALLOC61_END - VMALLOC61_START) //
                                     (SLOT_PAGES * PAGE)))
        self.rng.shuffle(self.free_slots)
        self.mapped = []            # (addr, size, va) of live vmap areas
        self.tables = set()         # 2 MiB regions with a PTE page
        self.ro = []                # (addr, pages) made read-only
        self.dead = collections.deque()  # (pid, comm) exited, not freed yet

    def line(self, out, comm, pid, event, body):
        self.t += self.rng.randrange(1, 40) / 1e6
        cpu = self.rng.randrange(self.cpus)
        out.append(f"{comm:>16}-{pid:<7} [{cpu:03d}] ..... {self.t:12.6f}: "
                   f"{event}: {body}")

    def pgd_alloc(self, out, comm, pid):
        mm = self.mm_objects.alloc()
        pgd = self.pgd_pages.alloc()
        self.line(out, comm, pid, "pgd_alloc",
                  f"(pgd_alloc+0x0/0x2f0) mm={mm:#x}")
        self.line(out, comm, pid, "pgd_alloc_ret",
                  f"(mm_init+0x15f/0x2b0 <- pgd_alloc) ret={pgd:#x}")
        return mm, pgd

    def pgd_free(self, out, comm, pid, mm, pgd):
        self.line(out, comm, pid, "pgd_free",
                  f"(pgd_free+0x0/0x100) mm={mm:#x} pgd={pgd:#x}")
        self.pgd_pages.free(pgd)
        self.mm_objects.free(mm)

    def fork(self, out):
        if self.procs:
            ppid, pcomm, _, _ = self.procs[self.rng.randrange(len(self.procs))]
        else:
            ppid, pcomm = 1, "init"
        pid = self.next_pid
        self.next_pid += 1
        # dup_mm() runs in the parent; the tracepoint fires after copy_process
        mm, pgd = self.pgd_alloc(out, pcomm, ppid)
        self.line(out, pcomm, ppid, "sched_process_fork",
                  f"comm={pcomm} pid={ppid} child_comm={pcomm} child_pid={pid}")
        self.procs.append([pid, pcomm, mm, pgd])

    def exec(self, out):
        p = self.procs[self.rng.randrange(len(self.procs))]
        pid, comm, mm, pgd = p
        new = self.rng.choice(PROGRAMS)
        # exec_mmap(): the new mm first, then the old one is dropped
        nmm, npgd = self.pgd_alloc(out, comm, pid)
        self.pgd_free(out, comm, pid, mm, pgd)
        self.line(out, new, pid, "sched_process_exec",
                  f"filename=/usr/bin/{new} pid={pid} old_pid={pid}")
        p[1:] = [new, nmm, npgd]

    def exit(self, out):
        i = self.rng.randrange(len(self.procs))
        pid, comm, mm, pgd = self.procs[i]
        self.procs[i] = self.procs[-1]
        self.procs.pop()
        self.line(out, comm, pid, "sched_process_exit",
                  f"comm={comm} pid={pid} prio=120")
        self.pgd_free(out, comm, pid, mm, pgd)
        self.dead.append((pid, comm))
        # An RCU grace period frees an exited task soon after: a recording
        # never holds more than a few exited tasks not freed yet.
        if len(self.dead) > 64:
            self.reap(out)

    def reap(self, out):
        # delayed_put_task_struct(), from an RCU callback on another task
        pid, comm = self.dead.popleft()
        self.line(out, "<idle>", 0, "sched_process_free",
                  f"comm={comm} pid={pid} prio=120")

    def vmalloc(self, out, comm, pid):
        if not self.free_slots:
            return self.vfree(out, comm, pid)
        slot = self.free_slots.pop()
        addr = VMALLOC61_START + slot * SLOT_PAGES * PAGE
        size = self.rng.randint(2, SLOT_PAGES) * PAGE   # with the guard page
        va = self.va_objects.alloc()
        self.line(out, comm, pid, "alloc_va",
                  f"(alloc_vmap_area+0x0/0x7b0) size={size:#x} align=0x1000 "
                  f"vstart={VMALLOC61_START:#x} vend={VMALLOC61_END:#x}")
        self.line(out, comm, pid, "alloc_va_ret",
                  "(__get_vm_area_node.constprop.0+0x8c/0x120 <- alloc_vmap_area) "
                  f"va={va:#x} start={addr:#x} end={addr + size:#x}")
        # a PTE page for a new 2 MiB region: arch_sync_kernel_mappings
        region = addr // PMD_SIZE
        if region not in self.tables:
            self.tables.add(region)
            self.line(out, comm, pid, "sync_kmap",
                      "(arch_sync_kernel_mappings+0x0/0xb0) "
                      f"start={addr:#x} end={addr + size - PAGE:#x}")
        self.mapped.append((addr, size, va))

    def vfree(self, out, comm, pid):
        if not self.mapped:
            return self.vmalloc(out, comm, pid)
        i = self.rng.randrange(len(self.mapped))
        addr, size, va = self.mapped[i]
        self.mapped[i] = self.mapped[-1]
        self.mapped.pop()
        self.line(out, comm, pid, "free_va",
                  f"(free_vmap_area_noflush+0x0/0x2d0) va={va:#x} "
                  f"start={addr:#x} end={addr + size:#x}")
        self.va_objects.free(va)
        self.free_slots.append((addr - VMALLOC61_START) // (SLOT_PAGES * PAGE))

    def cpa(self, out, comm, pid):
        if self.ro and (len(self.ro) > 64 or self.rng.random() < 0.5):
            addr, pages = self.ro.pop(self.rng.randrange(len(self.ro)))
            setclr = "set=0x2 clr=0x0"
        else:
            pages = self.rng.randint(1, 16)
            addr = CPA_START + self.rng.randrange(CPA_PAGES - pages) * PAGE
            self.ro.append((addr, pages))
            setclr = "set=0x0 clr=0x2"
        self.line(out, comm, pid, "cpa",
                  "(__change_page_attr_set_clr+0x0/0x1060) cpa=0xc31c5e88 "
                  f"alias=0 vaddr={addr:#x} pgd=0x0 {setclr} n={pages} "
                  "flags=0x0")

    def step(self, out):
        if self.procs:
            pid, comm, _, _ = self.procs[self.rng.randrange(len(self.procs))]
        else:
            pid, comm = 1, "init"
        r = self.rng.random()
        n = len(self.procs)
        if r < 0.30:                       # process churn around the target
            if n < self.target or (n == self.target and
                                   self.rng.random() < 0.5):
                self.fork(out)
            else:
                self.exit(out)
        elif r < 0.40 and self.procs:
            self.exec(out)
        elif r < 0.45 and self.dead:
            self.reap(out)
        elif r < 0.70:
            self.vmalloc(out, comm, pid)
        elif r < 0.95:
            self.vfree(out, comm, pid)
        elif r < 0.99:
            self.line(out, "kworker/u16:1", 9, "purge_va",
                      "(__purge_vmap_area_lazy+0x0/0x660) start=0xffffffff end=0x0")
        else:
            self.cpa(out, comm, pid)

    def start(self, out):
        while len(self.procs) < self.target:
            self.fork(out)

    def live(self):
        return len(self.procs)


def open_output(path, level):
    """A gzip writer: gzip(1) in a second process when there is one."""
    if shutil.which("gzip"):
        f = open(path, "wb")
        proc = subprocess.Popen(["gzip", f"-{level}", "-c"],
                                stdin=subprocess.PIPE, stdout=f)
        return proc.stdin, (proc, f)
    return gzip.open(path, "wb", compresslevel=level), None


def main_ftrace(args):
    """Lines after the header are events; the count may exceed -n by the
    few lines of the last step (a fork is not cut from its pgd_alloc)."""
    g = FtraceGenerator(args)
    w, proc = open_output(args.output, args.level)
    w.write(FTRACE_HEADER.format(n=args.events, cpus=args.cpus).encode())
    out = []
    g.start(out)
    events = 0
    chunk = 100_000
    while events + len(out) < args.events:
        n = min(chunk, args.events - events - len(out))
        goal = len(out) + n
        while len(out) < goal:
            g.step(out)
        events += len(out)
        w.write(("\n".join(out) + "\n").encode())
        out = []
    if out:
        events += len(out)
        w.write(("\n".join(out) + "\n").encode())
    close_output(w, proc)
    print(f"{args.output}: {events} events, {g.live()} live processes (pgds)",
          file=sys.stderr)


def close_output(w, proc):
    w.close()
    if proc:
        p, f = proc
        if p.wait() != 0:
            sys.exit("gen.py: gzip failed")
        f.close()


def set_lowmem(mib):
    global LOWMEM, VMALLOC_START, CPA_PAGES
    LOWMEM = mib * MiB
    VMALLOC_START = PAGE_OFFSET + LOWMEM + 8 * MiB
    CPA_PAGES = (LOWMEM - 16 * MiB) // PAGE


def main():
    args = parse_args()
    if args.pgds <= args.cpus or args.events < args.pgds + args.cpus:
        sys.exit("gen.py: need more pgds than CPUs and more events than both")
    if args.format == "ftrace":
        # 6.1 maps 901112 KiB of lowmem (the vmalloc area above, learned
        # by the reader from alloc_va): cpa stays below it
        set_lowmem(879)
        return main_ftrace(args)
    set_lowmem(args.lowmem)
    g = Generator(args)
    w, proc = open_output(args.output, args.level)
    out = ["# pgtrace-trace 1",
           f"# bench/gen.py --events {args.events} --pgds {args.pgds} "
           f"--seed {args.seed}" +
           (f" --churn {args.churn:g}" if args.churn != 5 else ""),
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
    close_output(w, proc)
    print(f"{args.output}: {events} events, {args.pgds} live pgds",
          file=sys.stderr)


if __name__ == "__main__":
    main()
