#!/bin/sh
# pgtrace timeline: the SVG renders with a real renderer (rsvg-convert),
# is self-contained and small; the CSV's numbers at each sample are what
# `pgtrace replay --at event:N --json` reports there, on both sides of a
# pair; decimation keeps to --points.  Exit 77 (skipped) without
# rsvg-convert or python3.
PGTRACE=$1
command -v rsvg-convert >/dev/null 2>&1 || { echo "skipped: no rsvg-convert (librsvg2-bin)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skipped: no python3"; exit 77; }
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0
trace=traces/real-6.1-pti.trace.gz

# A diff pair on one axis, decimated.
"$PGTRACE" timeline --unshared --kernel=2.6.21 --kernel=6.1 --points=100 \
	-o "$tmp/t.svg" "$trace" >"$tmp/out" || { echo "timeline .svg failed"; exit 1; }
rsvg-convert -o "$tmp/t.png" "$tmp/t.svg" || { echo "rsvg-convert cannot render the SVG"; fail=1; }
[ -s "$tmp/t.png" ] || { echo "rsvg-convert wrote no PNG"; fail=1; }
if grep -qiE '<script|@font-face|@import|xlink:href|href=|<image|url\(' "$tmp/t.svg"; then
	echo "the SVG is not self-contained"
	fail=1
fi
size=$(wc -c <"$tmp/t.svg")
[ "$size" -lt 100000 ] || { echo "the SVG of 100 points is $size bytes"; fail=1; }
grep -q 'PHASE net-1' "$tmp/t.svg" || { echo "the SVG lacks the marker 'PHASE net-1'"; fail=1; }
grep -q 'stroke-dasharray="6 3"' "$tmp/t.svg" || { echo "the SVG lacks side B (dashed)"; fail=1; }

# Time on the x axis renders too (the recording has timestamps).
"$PGTRACE" timeline --unshared --time -o "$tmp/time.svg" "$trace" >/dev/null &&
	rsvg-convert -o "$tmp/time.png" "$tmp/time.svg" && grep -q 'time (seconds' "$tmp/time.svg" ||
	{ echo "timeline --time: no SVG with a time axis"; fail=1; }

# The same pair as CSV: every row within --points, each a multiple of the stride.
"$PGTRACE" timeline --unshared --kernel=2.6.21 --kernel=6.1 --points=100 \
	-o "$tmp/t.csv" "$trace" >/dev/null || { echo "timeline .csv failed"; exit 1; }
"$PGTRACE" timeline --unshared --kernel=2.6.21 --kernel=6.1 --points=100 \
	--json -o "$tmp/t.json" "$trace" >"$tmp/summary.json" || { echo "timeline .json failed"; exit 1; }

python3 - "$PGTRACE" "$trace" "$tmp" <<'PY' || fail=1
import csv, json, subprocess, sys
pgtrace, trace, tmp = sys.argv[1:]
rows = list(csv.DictReader(open(tmp + "/t.csv")))
summary = json.load(open(tmp + "/summary.json"))
tl = json.load(open(tmp + "/t.json"))
bad = 0
def fail(msg):
    global bad
    print(msg)
    bad = 1
if len(rows) > 100 or len(rows) < 50:
    fail("%d CSV rows for --points=100" % len(rows))
if summary["nsamples"] != len(rows) or len(tl["samples"]) != len(rows):
    fail("samples: summary %d, JSON %d, CSV %d" % (summary["nsamples"], len(tl["samples"]), len(rows)))
every = summary["every"]
events = [int(r["events"]) for r in rows]
if events[-1] != summary["events"]:
    fail("the last sample is not the last event")
if any(e % every for e in events[:-1]) or events != sorted(set(events)):
    fail("samples are not multiples of the stride %d" % every)
for r, s in zip(rows, tl["samples"]):
    if int(r["events"]) != s["events"] or int(r["a_divergent_entries"]) != s["sides"][0]["divergent_entries"]:
        fail("CSV and JSON disagree at event %s" % r["events"])
        break
# Replay's numbers at a few points, including one that diverges and the end.
div = [r for r in rows if int(r["a_divergent_entries"])]
if not div:
    fail("side A (2.6.21) never diverges")
picks = [rows[0], rows[len(rows) // 3], rows[-1]] + div[:1] + div[-1:]
for r in picks:
    n = r["events"]
    for side, kernel in (("a", "2.6.21"), ("b", "6.1")):
        out = subprocess.run([pgtrace, "replay", "--unshared", "--kernel=" + kernel,
                              "--at", "event:" + n, "--json", trace],
                             capture_output=True, text=True)
        if out.returncode:
            fail("replay --at event:%s failed: %s" % (n, out.stderr))
            continue
        rep = json.loads(out.stdout)
        want = dict(rep["totals"])
        want["pgtable_bytes"] = rep["costs"]["pgtable_bytes"]
        for k in ("divergent_entries", "missing", "stale", "different", "divergent_pgds",
                  "live_pgds", "faults", "hazards", "oopses", "pgtable_bytes"):
            if int(r[side + "_" + k]) != want[k]:
                fail("event %s side %s: timeline %s=%s, replay %s" % (n, side, k, r[side + "_" + k], want[k]))
sys.exit(bad)
PY

# --phases: one sample per marker, then the end; each is replay --at LABEL.
"$PGTRACE" timeline --unshared --kernel=2.6.21 --phases -o "$tmp/p.csv" "$trace" >/dev/null ||
	{ echo "timeline --phases failed"; exit 1; }
markers=$(zcat "$trace" | grep -c '^label ')
rows=$(grep -c '"$' "$tmp/p.csv")
[ "$rows" -eq "$markers" ] || { echo "--phases: $rows marker rows for $markers markers"; fail=1; }
tail -1 "$tmp/p.csv" | grep -q '^14640,' || { echo "--phases: no sample after the last event"; fail=1; }
want=$("$PGTRACE" replay --unshared --kernel=2.6.21 --at net-1 --json "$trace" |
	python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; print(t["divergent_entries"], t["live_pgds"])')
got=$(grep '"PHASE net-1"' "$tmp/p.csv" | awk -F, '{ print $4, $9 }')
[ "$want" = "$got" ] || { echo "--phases at net-1: timeline '$got', replay '$want'"; fail=1; }
exit $fail
