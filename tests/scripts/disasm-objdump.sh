#!/bin/sh
# Check (c) of issue #3: `translate --disasm` of a kernel function in the
# real captures prints the function's real instructions: the bytes read
# through the page tables must be those objdump shows in vmlinux, except
# the first call (__fentry__), which ftrace patched at run time.
PGTRACE=$1
shared=${PGT_SHARED:-../shared}
[ -d "$shared/real" ] || { echo "skipped: no $shared/real"; exit 77; }
command -v objdump >/dev/null || { echo "skipped: no objdump"; exit 77; }
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
gunzip -c "$shared/real/vmlinux-symbols.gz" >"$tmp/vmlinux" || exit 2
fail=0
for mode in nopti pti; do
  gunzip -c "tests/data/$mode-trim.elf.gz" >"$tmp/$mode.elf" || exit 2
  "$PGTRACE" translate pgd_alloc --core "$tmp/$mode.elf" \
    --symbols "$shared/real/System.map.gz" --disasm 12 >"$tmp/ours" || exit 2
  # "0xc1068f35:  55   pushl %ebp" -> "c1068f35 55"
  sed -n 's/^0x\([0-9a-f]*\):  \([0-9a-f ]*[0-9a-f]\)  .*/\1 \2/p' "$tmp/ours" \
    >"$tmp/ours.bytes"
  first=$(head -n 1 "$tmp/ours.bytes" | cut -d' ' -f1)
  last=$(tail -n 1 "$tmp/ours.bytes" | cut -d' ' -f1)
  objdump -d --start-address=0x$first --stop-address=$(printf '0x%x' $((0x$last + 16))) \
    "$tmp/vmlinux" |
    sed -n 's/^\(c[0-9a-f]*\):\t\([0-9a-f ]*[0-9a-f]\) *\t.*/\1 \2/p' | head -n 12 >"$tmp/objdump.bytes"
  n=$(wc -l <"$tmp/ours.bytes")
  if [ "$n" -ne 12 ]; then
    echo "$mode: expected 12 instructions, got $n"; fail=1; continue
  fi
  # The first instruction is a call in both (e8), to a patched target.
  if [ "$(head -n 1 "$tmp/ours.bytes" | cut -c1-11)" != "$(head -n 1 "$tmp/objdump.bytes" | cut -c1-11)" ] ||
     ! tail -n +2 "$tmp/ours.bytes" | cmp -s - "$(tail -n +2 "$tmp/objdump.bytes" >"$tmp/o2"; echo "$tmp/o2")"; then
    echo "$mode: disassembly differs from objdump of vmlinux:"
    diff "$tmp/objdump.bytes" "$tmp/ours.bytes"
    fail=1
  else
    echo "$mode: pgd_alloc's first 12 instructions match vmlinux (first call patched by ftrace)"
  fi
done
exit $fail
