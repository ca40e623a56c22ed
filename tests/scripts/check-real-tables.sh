#!/bin/sh
# Issue 9: on both real captures (the whole images and the ftrace
# recordings as captured, ../shared/real), `check` compares swapper's
# kernel half with the image and every direct-map page agrees, except
# where no event of the recording wrote and boot code before the probes
# were active changed a page's RW/NX or size (listed as BEFORE): no
# disagreement anywhere, and the counts add up to the whole direct map
# (high_memory 0xcffe0000: 65504 pages).
PGTRACE=$1
shared=${PGT_SHARED:-../shared}
[ -d "$shared/real" ] || { echo "skipped: no $shared/real"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0
for mode in pti nopti; do
  policy=--shared
  [ $mode = pti ] && policy=--unshared
  gunzip -c "$shared/real/$mode/memory.elf.gz" >"$tmp/image.elf" || exit 2
  "$PGTRACE" check $policy --kernel=6.1 --json --core "$tmp/image.elf" \
    --symbols "$shared/real/System.map.gz" "$shared/real/$mode/trace.txt.gz" \
    >"$tmp/out.json"
  status=$?
  rm -f "$tmp/image.elf"
  [ $status -eq 0 ] || { echo "$mode: check exited $status"; fail=1; }
  python3 - "$mode" "$tmp/out.json" <<'PY' || fail=1
import json, sys
mode, path = sys.argv[1], sys.argv[2]
t = json.load(open(path))["tables"]
d = t["direct_map"]
print("%s: direct map %d pages agree, %d disagree, %d changed before the recording; "
      "PMD entries %d agree, %d disagree" % (mode, d["pages_agree"], d["pages_disagree"],
      d["pages_before_recording"], d["pmd_agree"], d["pmd_disagree"]))
ok = t["agree"] and d["pages_agree"] + d["pages_before_recording"] == 65504
for name in ("direct_map", "vmalloc", "pkmap", "fixmap"):
    a = t[name]
    print("%s:   %-10s PMD %d/%d/%d  pages %d/%d/%d, %d not determined" % (mode, name,
          a["pmd_agree"], a["pmd_disagree"], a["pmd_before_recording"], a["pages_agree"],
          a["pages_disagree"], a["pages_before_recording"], a["pages_not_determined"]))
    ok = ok and a["pmd_disagree"] == 0 and a["pages_disagree"] == 0
# what boot changed before the probes: RW/NX or page size, never presence
for x in t["disagreements"]:
    ok = ok and x["before_recording"]
sys.exit(0 if ok else 1)
PY
done
exit $fail
