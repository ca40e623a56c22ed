#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the small hand-built ELF core images the tests read (run from
tests/data; the outputs are committed).

tiny-32.elf (ELF32) and tiny-64.elf (ELF64) hold the same memory:
  PT_LOAD pa 0x0..0x7000, file bytes 0x0..0x6000 (0x6000.. reads as zero)
  PT_LOAD pa 0x100000..0x101000 (0x7000..0x100000 is a hole)
and these PAE tables (CR3 of CPU 0 = 0x1000, of CPU 1 = 0x1020):
  PDPT 0x1000: [0] -> PMD 0x2000, [3] -> PMD 0x3000
  PDPT 0x1020: [3] -> PMD 0x3000 (a 32-byte aligned pgd, like a slab one)
  PMD 0x2000: [0] -> PTE 0x4000 (RW US), [1] -> PTE page 0x9000000 (outside)
  PTE 0x4000: [1] va 0x1000 -> 0x5000 P RW US
              [2] va 0x2000 -> 0x100000 P (read-only, kernel)
              [3] va 0x3000 -> 0x6000 P US NX (zero-filled memory)
              [4] va 0x4000 -> 0x7fff000 P (outside memory)
  PMD 0x3000: [0] va 0xc0000000 -> 2M page 0x200000 P RW PSE G NX
              [1] va 0xc0200000 -> 2M page 0x0 P PSE G (executable)
Code at 0x5000 (va 0x1000 and 0xc0205000): push %ebp; mov %esp,%ebp;
call 0x1010; pop %ebp; ret, padded with nops to 0x1ffe, then the
instruction "mov $0x12345678,%eax" split across 0x1ffe/0x2000.
Notes: NT_PRSTATUS x2 (i386 layout for ELF32, x86-64 for ELF64; pids 1, 2;
ip 0xc0001000, 0xc0002000) and QEMU CPU-state x2.

Malformed images: bad-trunc.elf (a cut ELF header), bad-eof.elf (a
segment past the end of the file), bad-overlap.elf (overlapping
segments), bad-absurd.elf (a 2^60-byte segment), bad-note.elf (a
truncated note), bad-qemu.elf (a QEMU note of a wrong version),
loop.elf (tables that point at themselves).

rsvd.elf: entries with reserved bits set (see rsvd_memory()).

check.elf: an image for check with little in it (see check_memory(); its
symbols are check.map).
"""
import struct

P, RW, US, A, D, PSE, G = 1, 2, 4, 0x20, 0x40, 0x80, 0x100
NX = 1 << 63


def memory():
    mem = bytearray(0x6000)

    def put(pa, v):
        struct.pack_into("<Q", mem, pa, v)

    put(0x1000 + 0, 0x2000 | P)
    put(0x1000 + 24, 0x3000 | P)
    put(0x1020 + 24, 0x3000 | P)
    put(0x2000 + 0, 0x4000 | P | RW | US | A)
    put(0x2000 + 8, 0x9000000 | P | RW | US)
    put(0x4000 + 8, 0x5000 | P | RW | US | A | D)
    put(0x4000 + 16, 0x100000 | P)
    put(0x4000 + 24, 0x6000 | P | US | NX)
    put(0x4000 + 32, 0x7fff000 | P)
    put(0x3000 + 0, 0x200000 | P | RW | PSE | G | NX)
    put(0x3000 + 8, 0x0 | P | PSE | G)
    code = bytes([0x55, 0x89, 0xe5, 0xe8, 0x08, 0, 0, 0, 0x5d, 0xc3])
    mem[0x5000:0x5000 + len(code)] = code
    mem[0x5000 + len(code):0x5ffe] = b"\x90" * (0xffe - len(code))
    mem[0x5ffe:0x6000] = bytes([0xb8, 0x78])  # continues at 0x100000
    high = bytearray(0x1000)
    high[0:3] = bytes([0x56, 0x34, 0x12])
    return bytes(mem), bytes(high)


def note(name, ntype, desc):
    n = name + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def prstatus(elf64, pid, ip):
    if elf64:
        d = bytearray(336)
        struct.pack_into("<I", d, 32, pid)
        struct.pack_into("<Q", d, 112 + 16 * 8, ip)
    else:
        d = bytearray(144)
        struct.pack_into("<I", d, 24, pid)
        struct.pack_into("<I", d, 72 + 12 * 4, ip)
    return bytes(d)


def qemu_state(cr3, version=1):
    d = bytearray(440)
    struct.pack_into("<II", d, 0, version, 440)
    struct.pack_into("<5Q", d, 392, 0x80050033, 0, 0x1234, cr3, 0x6f0)
    return bytes(d)


def notes(elf64, qemu_version=1, cr3s=(0x1000, 0x1020)):
    return (note(b"CORE", 1, prstatus(elf64, 1, 0xc0001000)) +
            note(b"CORE", 1, prstatus(elf64, 2, 0xc0002000)) +
            note(b"QEMU", 0, qemu_state(cr3s[0], qemu_version)) +
            note(b"QEMU", 0, qemu_state(cr3s[1])))


def core(elf64, segs, notes_blob, cut=None):
    """segs: (paddr, data, memsz[, forced offset, forced filesz])."""
    ehsize, phsize = (64, 56) if elf64 else (52, 32)
    phnum = 1 + len(segs)
    off = ehsize + phsize * phnum
    phdrs, body = b"", b""

    def ph(ptype, offset, paddr, filesz, memsz):
        if elf64:
            return struct.pack("<IIQQQQQQ", ptype, 0, offset, 0, paddr,
                               filesz, memsz, 0)
        return struct.pack("<IIIIIIII", ptype, offset, 0, paddr, filesz,
                           memsz, 0, 0)

    phdrs += ph(4, off, 0, len(notes_blob), len(notes_blob))
    body += notes_blob
    for s in segs:
        paddr, data, memsz = s[:3]
        offset = s[3] if len(s) > 3 else off + len(body)
        filesz = s[4] if len(s) > 4 else len(data)
        phdrs += ph(1, offset, paddr, filesz, memsz)
        body += data
    ident = b"\x7fELF" + bytes([2 if elf64 else 1, 1, 1]) + b"\0" * 9
    if elf64:
        eh = ident + struct.pack("<HHIQQQIHHHHHH", 4, 3, 1, 0, ehsize, 0, 0,
                                 ehsize, phsize, phnum, 64, 0, 0)
    else:
        eh = ident + struct.pack("<HHIIIIIHHHHHH", 4, 3, 1, 0, ehsize, 0, 0,
                                 ehsize, phsize, phnum, 40, 0, 0)
    out = eh + phdrs + body
    return out[:cut] if cut else out


def rsvd_memory():
    """Reserved bits (PAE, SDM vol. 3A 4.4.2), CR3 of CPU 0 = 0x1000, of
    CPU 1 = 0x1020:
      PDPT 0x1000: [0] -> PMD 0x2000, [3] -> PMD 0x3000 (valid)
      PDPT 0x1020: [0] all ones (#GP on CR3 load), [3] -> PMD 0x3000
      PMD 0x2000: [0] -> PTE 0x4000 P RW US
                  [1] va 0x00200000 -> 2M page 0x400000 P RW PSE + bit 13
      PTE 0x4000: [1] va 0x1000 -> 0x5000 P RW + bit 52
                  [2] va 0x2000 -> 0x5000 P RW (valid)
      PMD 0x3000: [0] va 0xc0000000 -> 2M page 0x200000 P RW PSE G NX
                  [1] va 0xc0200000 -> 2M page 0x0 P PSE + bit 62
    """
    mem = bytearray(0x6000)

    def put(pa, v):
        struct.pack_into("<Q", mem, pa, v)

    put(0x1000 + 0, 0x2000 | P)
    put(0x1000 + 24, 0x3000 | P)
    put(0x1020 + 0, (1 << 64) - 1)
    put(0x1020 + 24, 0x3000 | P)
    put(0x2000 + 0, 0x4000 | P | RW | US)
    put(0x2000 + 8, 0x400000 | P | RW | PSE | (1 << 13))
    put(0x4000 + 8, 0x5000 | P | RW | (1 << 52))
    put(0x4000 + 16, 0x5000 | P | RW)
    put(0x3000 + 0, 0x200000 | P | RW | PSE | G | NX)
    put(0x3000 + 8, 0x0 | P | PSE | (1 << 62))
    return bytes(mem)


def check_memory():
    """swapper_pg_dir at 0x1000 (va 0xc0001000): [3] -> PMD 0x2000, whose
    [0] maps 2M at 0 (P RW PSE).  The pgd at 0x3000 (va 0xc0003000, CR3 of
    CPU 0) has all four slots, [0..2] -> an empty PMD 0x4000 and [3] ->
    swapper's PMD; the pgds at 0x5000 and 0x5020 are all zeros (gone); CPU
    1's CR3 is 0x6000, a pgd no trace names.
    """
    mem = bytearray(0x7000)

    def put(pa, v):
        struct.pack_into("<Q", mem, pa, v)

    put(0x1000 + 24, 0x2000 | P)
    put(0x2000 + 0, 0x0 | P | RW | PSE)
    for i in range(3):
        put(0x3000 + 8 * i, 0x4000 | P)
    put(0x3000 + 24, 0x2000 | P)
    for i in range(4):
        put(0x6000 + 8 * i, 0x4000 | P if i < 3 else 0x2000 | P)
    return bytes(mem)


def main():
    low, high = memory()
    tiny = lambda e64: core(e64, [(0, low, 0x7000), (0x100000, high, 0x1000)],
                            notes(e64))
    files = {
        "tiny-32.elf": tiny(False),
        "tiny-64.elf": tiny(True),
        "bad-trunc.elf": tiny(True)[:40],
        "bad-eof.elf": core(True, [(0, low[:0x100], 0x7000, 0x400, 0x7000)],
                            notes(True)),
        "bad-overlap.elf": core(True, [(0, low[:0x100], 0x100),
                                       (0x80, low[:0x100], 0x100)],
                                notes(True)),
        "bad-absurd.elf": core(True, [(0, low[:0x100], 1 << 60)], notes(True)),
        "bad-note.elf": core(True, [(0, low[:0x100], 0x100)],
                             notes(True)[:-20]),
        "bad-qemu.elf": core(True, [(0, low[:0x100], 0x100)],
                             notes(True, qemu_version=7)),
    }
    loop = bytearray(0x2000)
    for i in range(4):  # every PDPTE and PDE points at the PDPT page
        struct.pack_into("<Q", loop, 0x1000 + 8 * i, 0x1000 | P | RW | US)
    for i in range(4, 512):
        struct.pack_into("<Q", loop, 0x1000 + 8 * i, 0x1000 | P | RW | US)
    files["loop.elf"] = core(True, [(0, bytes(loop), 0x2000)], notes(True))
    files["rsvd.elf"] = core(False, [(0, rsvd_memory(), 0x7000)], notes(False))
    files["check.elf"] = core(False, [(0, check_memory(), 0x7000)],
                              notes(False, cr3s=(0x3000, 0x6000)))
    for name, data in files.items():
        with open(name, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
