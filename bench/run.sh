#!/usr/bin/env bash
# Measure pgtrace replay and diff on a large trace against plain
# decompression of the same file: wall time and peak RSS, and their ratios.
# Usage: bench/run.sh [-r REPEATS] [PGTRACE [TRACE]]
#   PGTRACE  the binary (default: build/pgtrace)
#   TRACE    the trace (default: bench/trace-10m.gz, made by bench/gen.py
#            when missing)
#   -r N     take the fastest of N runs of each command (default 1)
# Wall time and peak RSS come from bench/rusage.c (fork, exec, wait4),
# compiled into a temporary directory with $CC (default cc).
set -euo pipefail
cd "$(dirname "$0")/.."

repeats=1
if [ "${1:-}" = "-r" ]; then
	repeats=$2
	shift 2
fi
pgtrace=${1:-build/pgtrace}
trace=${2:-bench/trace-10m.gz}

if [ ! -x "$pgtrace" ]; then
	echo "bench/run.sh: no pgtrace binary at $pgtrace (build it first)" >&2
	exit 2
fi
if [ ! -f "$trace" ]; then
	echo "bench/run.sh: writing $trace with bench/gen.py" >&2
	python3 bench/gen.py -o "$trace"
fi

# The measuring wrapper.
wrapper=$(mktemp -d)
trap 'rm -rf "$wrapper"' EXIT
${CC:-cc} -O2 -o "$wrapper/rusage" bench/rusage.c

# measure CMD...: "WALL_SECONDS MAX_RSS_KIB" of the fastest of $repeats
# runs.  Exit status 1 is fine: diff says "the sides differ" with it.
measure() {
	local best="" r status
	for _ in $(seq "$repeats"); do
		status=0
		r=$("$wrapper/rusage" "$@") || status=$?
		if [ "$status" -gt 1 ]; then
			echo "bench/run.sh: $*: exit status $status" >&2
			exit 2
		fi
		if [ -z "$best" ] || awk -v a="${r% *}" -v b="${best% *}" \
			'BEGIN { exit !(a < b) }'; then
			best=$r
		fi
	done
	echo "$best"
}

echo "trace: $trace ($(du -h "$trace" | cut -f1) compressed), best of $repeats"
base=$(measure gzip -dc "$trace")
replay=$(measure "$pgtrace" replay --unshared "$trace")
diff=$(measure "$pgtrace" diff --shared --unshared "$trace")

awk -v base="$base" -v replay="$replay" -v diff="$diff" 'BEGIN {
	split(base, b, " ")
	printf "%-36s %9s %11s %8s %8s\n", "command", "wall (s)", "max RSS", "wall x", "RSS x"
	n = split("gzip -dc|pgtrace replay --unshared|pgtrace diff --shared --unshared", names, "|")
	split(base "|" replay "|" diff, rows, "|")
	for (i = 1; i <= n; i++) {
		split(rows[i], r, " ")
		printf "%-36s %9.2f %8.1f MiB %8.2f %8.2f\n", names[i], r[1], r[2] / 1024,
			(b[1] > 0 ? r[1] / b[1] : 0), (b[2] > 0 ? r[2] / b[2] : 0)
	}
}'
