#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Trim a QEMU dump-guest-memory ELF core of an x86-32 PAE guest down to the
pages pgtrace's tests read: the page-table pages reachable from the given
pgds (and from every CPU's CR3 in the QEMU notes), plus the 4 KiB pages
holding the given kernel virtual addresses (for disassembly), translated
through the first pgd.  The notes are kept as they are.

  mktrim.py IN.elf OUT.elf --pgd PA [--pgd PA...] [--va VA[:LEN]...]
            [--keep PA[:LEN]...] [--pgd-list HEAD_VA:MEM_MAP_VA:SIZE:LRU]

--keep keeps physical pages as they are (variables such as high_memory);
--pgd-list walks the kernel's pgd_list from its head (struct page of SIZE
bytes linked through the lru field at offset LRU, mem_map read from the
variable at MEM_MAP_VA) and keeps the list's nodes and every pgd on it with
its tables, and with PTI its user half (the page after it) too.
"""
import argparse
import struct

PAGE = 4096


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--pgd", action="append", default=[],
                    type=lambda s: int(s, 0))
    ap.add_argument("--va", action="append", default=[])
    ap.add_argument("--keep", action="append", default=[])
    ap.add_argument("--pgd-list", default=None)
    ap.add_argument("--page-offset", type=lambda s: int(s, 0),
                    default=0xC0000000)
    a = ap.parse_args()
    data = open(a.input, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise SystemExit("not an ELF64 file")
    (e_type, e_machine, _, _, e_phoff, _, _, _, e_phentsize,
     e_phnum) = struct.unpack_from("<HHIQQQIHHH", data, 16)
    loads, notes = [], []
    for i in range(e_phnum):
        (p_type, _, p_off, _, p_paddr, p_filesz, p_memsz,
         _) = struct.unpack_from("<IIQQQQQQ", data, e_phoff + i * e_phentsize)
        if p_type == 1:
            loads.append((p_paddr, p_off, p_filesz))
        elif p_type == 4:
            notes.append(data[p_off:p_off + p_filesz])

    def read(pa, n):
        for base, off, size in loads:
            if base <= pa and pa + n <= base + size:
                return data[off + pa - base:off + pa - base + n]
        raise SystemExit("physical 0x%x not in the image" % pa)

    def u64(pa):
        return struct.unpack("<Q", read(pa, 8))[0]

    # CR3 of each CPU from the QEMU notes (cr[3] at offset 416).
    cr3s = []
    for blob in notes:
        pos = 0
        while pos + 12 <= len(blob):
            namesz, descsz, ntype = struct.unpack_from("<III", blob, pos)
            name = blob[pos + 12:pos + 12 + namesz]
            desc = pos + 12 + ((namesz + 3) & ~3)
            if name == b"QEMU\0":
                cr3s.append(struct.unpack_from("<Q", blob, desc + 416)[0])
            pos = desc + ((descsz + 3) & ~3)
    keep = set()
    mask = 0x000FFFFFFFFFF000
    po = a.page_offset
    for spec in a.keep:
        pa, _, n = spec.partition(":")
        pa, n = int(pa, 0), int(n or "1", 0)
        for page in range(pa & ~(PAGE - 1), pa + n, PAGE):
            keep.add(page)
    if a.pgd_list:
        head, mem_map_va, size, lru = (int(x, 0) for x in a.pgd_list.split(":"))

        def u32(va):
            keep.add((va - po) & ~(PAGE - 1))
            return struct.unpack("<I", read(va - po, 4))[0]
        mem_map = u32(mem_map_va)
        node = u32(head)
        while node != head:
            pfn = (node - lru - mem_map) // size
            a.pgd += [pfn * PAGE, pfn * PAGE + PAGE]
            node = u32(node)
    for pgd in a.pgd + [c & 0xFFFFFFE0 for c in cr3s]:
        keep.add(pgd & ~(PAGE - 1))
        for i in range(4):
            e = u64(pgd + 8 * i)
            if not e & 1:
                continue
            pmd = e & mask
            keep.add(pmd)
            for j in range(512):
                d = u64(pmd + 8 * j)
                if d & 1 and not d & 0x80:
                    keep.add(d & mask)
    root = a.pgd[0]
    for spec in a.va:
        va, _, n = spec.partition(":")
        va, n = int(va, 0), int(n or "1", 0)
        for page in range(va & ~(PAGE - 1), va + n, PAGE):
            e = u64(root + 8 * (page >> 30))
            d = u64((e & mask) + 8 * ((page >> 21) & 511))
            if d & 0x80:
                pa = (d & 0x000FFFFFFFE00000) | (page & 0x1FFFFF)
            else:
                pa = u64((d & mask) + 8 * ((page >> 12) & 511)) & mask
            keep.add(pa)
    runs = []
    for p in sorted(keep):
        if runs and runs[-1][0] + runs[-1][1] == p:
            runs[-1][1] += PAGE
        else:
            runs.append([p, PAGE])
    phnum = len(notes) + len(runs)
    off = 64 + 56 * phnum
    phdrs, body = b"", b""
    for blob in notes:
        phdrs += struct.pack("<IIQQQQQQ", 4, 0, off + len(body), 0, 0,
                             len(blob), len(blob), 0)
        body += blob
    for base, size in runs:
        phdrs += struct.pack("<IIQQQQQQ", 1, 0, off + len(body), 0, base,
                             size, size, 0)
        body += read(base, size)
    ehdr = data[:16] + struct.pack("<HHIQQQIHHHHHH", e_type, e_machine, 1, 0,
                                   64, 0, 0, 64, 56, phnum, 64, 0, 0)
    open(a.output, "wb").write(ehdr + phdrs + body)
    print("%s: %d pages in %d segments" % (a.output, len(keep), len(runs)))


if __name__ == "__main__":
    main()
