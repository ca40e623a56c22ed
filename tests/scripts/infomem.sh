#!/bin/sh
# Check (a) of issue #3: on both real captures, `dump pgd cr3` (CPU 0)
# agrees with QEMU's own `info mem` on every range and permission.  The
# trimmed images in tests/data hold every page-table page of CPU 0's CR3;
# the QEMU outputs come from ../shared/real (CRLF line ends stripped).
PGTRACE=$1
shared=${PGT_SHARED:-../shared}
[ -d "$shared/real" ] || { echo "skipped: no $shared/real"; exit 77; }
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0
for mode in nopti pti; do
  gunzip -c "tests/data/$mode-trim.elf.gz" >"$tmp/$mode.elf" || exit 2
  "$PGTRACE" dump pgd cr3 --cpu 0 --core "$tmp/$mode.elf" --info-mem \
    >"$tmp/$mode.ours" || { echo "$mode: pgtrace failed"; fail=1; continue; }
  tr -d '\r' <"$shared/real/$mode/qemu-info-mem.txt" >"$tmp/$mode.qemu"
  if cmp -s "$tmp/$mode.qemu" "$tmp/$mode.ours"; then
    echo "$mode: $(wc -l <"$tmp/$mode.ours") ranges agree with QEMU's info mem"
  else
    echo "$mode: differs from QEMU's info mem:"
    diff -u "$tmp/$mode.qemu" "$tmp/$mode.ours" | head -40
    fail=1
  fi
done
exit $fail
