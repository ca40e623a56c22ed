#!/usr/bin/env python3
"""Write a small /proc/kcore look-alike (ELF32, EM_386, ET_CORE) for the
record tests: kernel-virtual p_vaddr, p_paddr the physical address for RAM
and -1 (0xffffffff) elsewhere, as fs/proc/kcore.c writes it.

Segments (in this order, as kcore lists them unsorted):
  PT_NOTE  a dummy NT_PRSTATUS-sized note (kcore has one)
  PT_LOAD  vmalloc   vaddr 0xf8000000 paddr -1         0x1000 bytes
  PT_LOAD  RAM       vaddr 0xc0100000 paddr 0x00100000 0x1000 bytes ("pgtrace-kcore-high")
  PT_LOAD  RAM       vaddr 0xc0000000 paddr 0x00000000 0x10000 bytes
  PT_LOAD  alias     vaddr 0xc1008000 paddr 0x00008000 0x1000 bytes (inside RAM: skipped)
  PT_LOAD  text      vaddr 0xc1000000 paddr -1         0x1000 bytes

The 64 KiB of low RAM hold swapper_pg_dir's PDPT at 0x1000 (slot 3 ->
PMD page 0x2000) and a PMD whose entry 0 maps 0xc0000000 with a 2 MiB
page at physical 0; 0x4000 holds "pgtrace-kcore-low".
Usage: make-kcore.py OUT
"""
import struct
import sys

NO_PA = 0xFFFFFFFF
low = bytearray(0x10000)
struct.pack_into("<Q", low, 0x1000 + 3 * 8, 0x2000 | 0x1)           # PDPT slot 3: P
struct.pack_into("<Q", low, 0x2000, 0x0 | 0x80 | 0x2 | 0x1)          # PMD 0: PSE RW P
low[0x4000:0x4000 + 17] = b"pgtrace-kcore-low"
high = bytearray(0x1000)
high[0:18] = b"pgtrace-kcore-high"
junk = bytes([0xAA]) * 0x1000
note_desc = bytes(144)
note = struct.pack("<III", 5, len(note_desc), 1) + b"CORE\0\0\0\0" + note_desc

segs = [  # (type, vaddr, paddr, data)
    (4, 0, 0, note),
    (1, 0xF8000000, NO_PA, junk),
    (1, 0xC0100000, 0x00100000, bytes(high)),
    (1, 0xC0000000, 0x00000000, bytes(low)),
    (1, 0xC1008000, 0x00008000, junk),
    (1, 0xC1000000, NO_PA, junk),
]
ehsize, phentsize = 52, 32
offset = ehsize + phentsize * len(segs)
phdrs, blobs = b"", b""
for ptype, vaddr, paddr, data in segs:
    phdrs += struct.pack("<IIIIIIII", ptype, offset + len(blobs), vaddr, paddr,
                         len(data), len(data), 7, 0x1000 if ptype == 1 else 0)
    blobs += data
ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 4, 3, 1, 0, ehsize, 0, 0, ehsize,
                           phentsize, len(segs), 0, 0, 0)
with open(sys.argv[1], "wb") as f:
    f.write(ehdr + phdrs + blobs)
