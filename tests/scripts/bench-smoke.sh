#!/bin/sh
# A smoke run of bench/run.sh on 1 M-event traces (native with 100 and
# 10,000 live pgds, churn, ftrace and converted with 100; one kernel; commands cut at
# 10 s): it runs, and its tables parse: the header (the machine, whether
# DAMON runs, its memory's latencies), one row per trace and
# command with a number or "timeout" or "skipped" in each measured cell
# (wall, CPU, RSS and their ratios), gzip -dc at ratio 1.00 to itself, and
# the three 10k/100 ratios (as measured, per gzip -dc, and per gzip -dc
# paired within rounds, with the rounds' range: the native run has two)
# on each 10,000-pgd row measured on both sides.
# Never a timing.
# Only against a Release build (the CMakeCache.txt beside the binary says
# so); skipped (77) otherwise, or without python3 and gzip.
# Usage: sh tests/scripts/bench-smoke.sh PGTRACE (from the source tree).
PGTRACE=$1
cache=$(dirname "$PGTRACE")/CMakeCache.txt
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$cache" 2>/dev/null ||
	grep -q '^PGTRACE_SANITIZE:BOOL=ON$' "$cache"; then
	echo "skipped: not a Release build"
	exit 77
fi
command -v python3 >/dev/null && command -v gzip >/dev/null || {
	echo "skipped: no python3 or gzip"
	exit 77
}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
run() { # OUT ARGS...
	out=$1
	shift
	if ! bash bench/run.sh -n 1000000 -k 6.1 -t 10 -d "$tmp" "$@" "$PGTRACE" \
		>"$tmp/$out" 2>"$tmp/err"; then
		echo "bench/run.sh $*: failed:"
		cat "$tmp/err"
		exit 1
	fi
}
run native -f native -p "100 10000" -r 2
run churn -f churn -p 100
run ftrace -f ftrace -p 100
run converted -f converted -p 100
# check TABLE TRACES [RANGES]: the table parses and has one row per trace
# and command; with RANGES, every paired ratio has its rounds' range
check() {
awk -F'|' '
function bad(msg) { print "bench table, line " NR ": " msg ": " $0; fail = 1 }
function measured(s) { return s ~ /^ [0-9]+\.[0-9]+ $/ }
NR == 1 {
	if ($0 !~ /^machine: .*cores.*; DAMON (on|off)$/) bad("no machine line")
	next
}
NR == 2 {
	# four buffer sizes, each "N MiB DEP/INDEP ns", and nothing else after ":"
	rest = $0
	n = gsub(/[0-9]+ MiB [0-9]+\/[0-9]+\.[0-9] ns/, "", rest)
	if ($0 !~ /^memory: / || n != 4 || rest !~ /: , , , $/)
		bad("no memory line")
	next
}
/^\| trace \|/ { header = 1; next }
/^\|---/ { next }
/^\|/ {
	if (NF != 14) { bad("expected 12 cells"); next }
	rows++
	seen[$2 "|" $4]++
	if ($5 ~ /timeout|skipped/) {
		if ($4 ~ /gzip/) bad("gzip -dc did not run")
		next
	}
	for (i = 5; i <= 10; i++)
		if (!measured($i)) bad("cell " i - 1 " is not a number")
	if ($4 == " gzip -dc " && ($6 != " 1.00 " || $8 != " 1.00 " || $10 != " 1.0 "))
		bad("gzip -dc is not its own ratio 1")
	for (i = 11; i <= 13; i++) {
		# (the paired cell, with more than one round: "M (LO-HI)")
		if ($2 ~ /-10000 $/ && $i !~ /^ ([0-9]+\.[0-9]+|-) $/ &&
		    !(i == 13 && $i ~ /^ [0-9]+\.[0-9]+ \([0-9]+\.[0-9]+-[0-9]+\.[0-9]+\) $/))
			bad("bad 10k/100 cell")
		if (i == 13 && ranges && $2 ~ /-10000 $/ && $i !~ /\(/)
			bad("a paired ratio without its range")
		if ($2 ~ /-100 $/ && $i != " - ") bad("a 100-pgd row with a 10k/100 ratio")
	}
	next
}
END {
	if (!header) { print "bench table: no header"; fail = 1 }
	nt = split(traces, t, " ")
	split("gzip -dc|inflate only|parse only|replay --unshared --kernel=6.1|replay --shared --kernel=6.1|diff --shared --unshared", c, "|")
	for (i = 1; i <= nt; i++)
		for (j = 1; j <= 6; j++)
			if (seen[" " t[i] " | " c[j] " "] != 1) {
				print "bench table: no single row for " t[i] ", " c[j]
				fail = 1
			}
	if (rows != 6 * nt) { print "bench table: " rows " rows, expected " 6 * nt; fail = 1 }
	exit fail
}' traces="$2" ranges="$3" "$tmp/$1" || { cat "$tmp/$1"; exit 1; }
}
check native "native-100 native-10000" 1
check churn "churn-100"
check ftrace "ftrace-100"
check converted "converted-100"
