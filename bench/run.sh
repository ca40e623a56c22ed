#!/usr/bin/env bash
# Measure pgtrace against plain decompression of the same trace: wall time,
# CPU time (all threads) and peak RSS of replay (both policies, each
# kernel), of diff, of the
# reading alone (bench/parse.c) and of zlib's inflate alone (bench/inflate.c:
# the least any reader on zlib pays for the file), each with its ratio to
# `gzip -dc` of the same file measured in the same run; then the 10,000/100
# live-pgd ratio,
# as measured and with each side taken as a multiple of its own trace's
# gzip -dc (a trace of 10,000 live pgds is larger compressed: more names),
# of the fastest runs and, paired, the median of the rounds' own ratios
# (with more than one round, their lowest and highest in brackets).
# Prints one table (Markdown), the machine it ran on above it: its CPU and
# cores, and how it answers random loads past its caches (bench/memlat.c).
#
# Usage: bench/run.sh [OPTION...] [PGTRACE [TRACE...]]
#   PGTRACE   the binary (default: build/pgtrace)
#   TRACE...  measure these traces instead of bench/gen.py's set
#   -n N      events per generated trace (default 10000000)
#   -p LIST   live pgds of the generated traces (default "100 10000")
#   -f LIST   kinds of generated traces (default "native churn ftrace
#             converted"): native, churn (native with pgd_alloc 29% of the
#             events: gen.py --churn 41), ftrace, converted (the ftrace
#             trace through pgtrace convert: native lines with t=, cpu=,
#             pid= and comm=, as a recording is kept)
#   -k LIST   kernels to replay with (default "2.6.21 6.1")
#   -d DIR    where generated traces are kept (default bench/traces)
#   -r N      N rounds, each running every command once; each command keeps
#             its fastest run (default 1)
#   -t SECS   kill a command after SECS (default 600): "timeout" in the
#             table, and the trace's remaining pgtrace commands are skipped
# Wall time, CPU time and peak RSS come from bench/rusage.c (fork, exec,
# wait4; the figures of each command's fastest run),
# compiled with $CC (default cc) into a temporary directory, as are
# bench/inflate.c (with zlib) and bench/parse.c against the static
# libraries beside PGTRACE (the parse-only row is left out when they are
# not there).
set -euo pipefail
cd "$(dirname "$0")/.."

events=10000000 pgds="100 10000" formats="native churn ftrace converted" kernels="2.6.21 6.1"
dir=bench/traces repeats=1 limit=600
while getopts n:p:f:k:d:r:t: opt; do
	case $opt in
	n) events=$OPTARG ;;
	p) pgds=$OPTARG ;;
	f) formats=$OPTARG ;;
	k) kernels=$OPTARG ;;
	d) dir=$OPTARG ;;
	r) repeats=$OPTARG ;;
	t) limit=$OPTARG ;;
	*) sed -n '12,27p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
pgtrace=${1:-build/pgtrace}
[ $# -gt 0 ] && shift
if [ ! -x "$pgtrace" ]; then
	echo "bench/run.sh: no pgtrace binary at $pgtrace (build it first)" >&2
	exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
${CC:-cc} -O2 -o "$work/rusage" bench/rusage.c
${CC:-cc} -O2 -o "$work/memlat" bench/memlat.c
${CC:-cc} -O2 -o "$work/inflate" bench/inflate.c -lz
# the memory behind the caches, measured before the rounds (see bench/README.md)
memory=$("$work/memlat") || exit 2
# Whether DAMON (the kernel's access monitor, there doing proactive
# reclaim) runs, read before the rounds like the memory: it moved times
# by a factor of up to 3.6 on the machine of the README's table
# (bench/README.md, "The machine's own reclaim").
damon=off
for s in /sys/kernel/mm/damon/admin/kdamonds/*/state; do
	if [ -r "$s" ] && [ "$(cat "$s" 2>/dev/null)" = on ]; then
		damon=on
	fi
done
if [ "$(cat /sys/module/damon_reclaim/parameters/enabled 2>/dev/null)" = Y ]; then
	damon=on
fi
libs=$(dirname "$pgtrace")
parse=
if [ -f "$libs/libpgtformats.a" ] && [ -f "$libs/libpgtcore.a" ] &&
	${CC:-cc} -O2 -D_GNU_SOURCE -I. -o "$work/parse" bench/parse.c \
		"$libs/libpgtformats.a" "$libs/libpgtcore.a" -lz -lelf -lpthread 2>/dev/null; then
	parse=$work/parse
fi

# The traces: "LABEL FORMAT PGDS PATH" per line.
traces=()
if [ $# -gt 0 ]; then
	for t in "$@"; do
		traces+=("$(basename "$t") auto - $t")
	done
else
	mkdir -p "$dir"
	for f in $formats; do
		for p in $pgds; do
			path=$dir/$f-$events-$p.gz
			gen=$f
			[ "$f" = converted ] && gen=ftrace
			from=$dir/$gen-$events-$p.gz
			if [ ! -f "$from" ]; then
				echo "bench/run.sh: writing $from with bench/gen.py" >&2
				# native: lowmem that 6.1 accepts too, for --kernel=6.1
				kind=(--format "$gen")
				[ "$gen" = churn ] && kind=(--format native --churn 41)
				python3 bench/gen.py "${kind[@]}" -n "$events" --pgds "$p" \
					--lowmem 768 -o "$from.tmp"
				mv "$from.tmp" "$from"
			fi
			if [ "$path" != "$from" ] && [ ! -f "$path" ]; then
				echo "bench/run.sh: writing $path with pgtrace convert" >&2
				"$pgtrace" convert "$from" "$path.tmp.gz" >/dev/null
				mv "$path.tmp.gz" "$path"
			fi
			format=$f
			case $f in churn | converted) format=native ;; esac
			traces+=("$f-$p $format $p $path")
		done
	done
fi

# run1 CMD...: "WALL_SECONDS MAX_RSS_KIB CPU_SECONDS" of one run, or
# "timeout".  Exit
# status 1 is fine (diff: "the sides differ").
run1() {
	local r status=0
	# stderr (warnings, say, of a policy forced against the recording's
	# evidence) is shown only when the command fails
	r=$("$work/rusage" -t "$limit" "$@" 2>"$work/stderr") || status=$?
	if [ "$status" = 124 ]; then
		echo timeout
		return
	fi
	if [ "$status" -gt 1 ]; then
		echo "bench/run.sh: $*: exit status $status" >&2
		cat "$work/stderr" >&2
		exit 2
	fi
	echo "$r"
}

# The jobs: "TRACE|PGDS|COMMAND|COMMAND LINE", each trace's gzip -dc first
# (the table's rows, in this order).
jobs=()
for t in "${traces[@]}"; do
	read -r label format p path <<<"$t"
	jobs+=("$label|$p|gzip -dc|gzip -dc $path")
	jobs+=("$label|$p|inflate only|$work/inflate $path")
	[ -n "$parse" ] && jobs+=("$label|$p|parse only|$parse $path")
	for k in $kernels; do
		for pol in unshared shared; do
			jobs+=("$label|$p|replay --$pol --kernel=$k|$pgtrace replay --no-progress --$pol --kernel=$k $path")
		done
	done
	jobs+=("$label|$p|diff --shared --unshared|$pgtrace diff --no-progress --shared --unshared $path")
done

# The order a round runs them in: the generated traces of one kind
# (native-100, native-10000, ...) command by command, the same command
# on each in turn, so that the two sides of a 10,000/100 ratio run
# seconds apart rather than minutes (on a shared machine the speed
# drifts over minutes); a trace given on the command line alone.
group=() # by job: "KIND|COMMAND", KIND the trace's label less its -PGDS
for j in "${jobs[@]}"; do
	IFS='|' read -r label p name line <<<"$j"
	[ "$p" != - ] && label=${label%-"$p"}
	group+=("$label|$name")
done
order=()
declare -A placed
for a in "${!jobs[@]}"; do
	[ -n "${placed[$a]:-}" ] && continue
	for b in "${!jobs[@]}"; do
		if [ "${group[$b]}" = "${group[$a]}" ]; then
			order+=("${jobs[$b]}")
			placed[$b]=1
		fi
	done
done

# Rounds: every job once per round, so that each command and the gzip -dc
# it is divided by sample the same stretch of time; each job keeps its
# fastest run.  A command that times out is not run again, nor are the
# pgtrace commands of its trace still to come ("skipped").
declare -A best gave_up
: >"$work/runs"  # every run: "ROUND|TRACE|COMMAND|WALL"
for round in $(seq "$repeats"); do
	for j in "${order[@]}"; do
		IFS='|' read -r label p name line <<<"$j"
		key="$label|$name"
		case ${best[$key]:-} in timeout | skipped) continue ;; esac
		if [ -n "${gave_up[$label]:-}" ] && [ "$name" != "parse only" ] &&
			[ "$name" != "gzip -dc" ] && [ "$name" != "inflate only" ]; then
			best[$key]=skipped
			continue
		fi
		# shellcheck disable=SC2086 # the command line is split on purpose
		r=$(run1 $line)
		if [ "$r" = timeout ]; then
			best[$key]=timeout
			case $name in "parse only" | "gzip -dc" | "inflate only") ;;
			*) gave_up[$label]=1 ;;
			esac
		else
			echo "$round|$key|${r%% *}" >>"$work/runs"
			if [ -z "${best[$key]:-}" ] || awk -v a="${r%% *}" -v b="${best[$key]%% *}" \
				'BEGIN { exit !(a < b) }'; then
				best[$key]=$r
			fi
		fi
	done
	echo "bench/run.sh: round $round of $repeats done" >&2
done

# Rows: "TRACE|PGDS|COMMAND|WALL RSS_KIB CPU" (or timeout, skipped).
: >"$work/rows.raw"
for j in "${jobs[@]}"; do
	IFS='|' read -r label p name line <<<"$j"
	echo "$label|$p|$name|${best[$label|$name]}" >>"$work/rows.raw"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
echo "machine: ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sr); $("$pgtrace" --version 2>/dev/null | head -1); DAMON $damon"
echo "memory: ns per random load, dependent/independent, by buffer size (bench/memlat.c): $memory"
echo "traces: ${#traces[@]}; best of $repeats rounds; ratios to gzip -dc of the same file in the same run; timeout $limit s"
echo
awk -F'|' '
function num(s) { return s ~ /^[0-9.]+ [0-9]+ [0-9.]+$/ }
# the median of v[1..k] (sorted in place)
function median(v, k,    i, j, x) {
	for (i = 2; i <= k; i++) {
		x = v[i]
		for (j = i - 1; j >= 1 && v[j] > x; j--)
			v[j + 1] = v[j]
		v[j + 1] = x
	}
	return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
}
FILENAME == runs { w[$1 "|" $2 "|" $3] = $4; if ($1 > rounds) rounds = $1; next }
{
	n++; trace[n] = $1; pgds[n] = $2; cmd[n] = $3; res[n] = $4
	if ($3 == "gzip -dc") { split($4, b, " "); bw[$1] = b[1]; br[$1] = b[2]; bc[$1] = b[3] }
	if (num($4)) { split($4, r, " "); wall[$1 "|" $3] = r[1] }
}
END {
	print "| trace | live pgds | command | wall (s) | wall x gzip | CPU (s) | CPU x gzip | max RSS (MiB) | RSS x gzip | 10k/100 wall | 10k/100 x gzip | 10k/100 x gzip, paired |"
	print "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= n; i++) {
		t = trace[i]
		if (!num(res[i])) {
			printf "| %s | %s | %s | %s | - | - | - | - | - | - | - | - |\n", t, pgds[i], cmd[i], res[i]
			continue
		}
		split(res[i], r, " ")
		ratio = "-"; nratio = "-"; pratio = "-"
		# a 10,000-pgd row against the 100-pgd row of its format and
		# command: as measured, and each as a multiple of the gzip -dc of
		# its own trace (the 10,000-pgd trace is larger compressed); the
		# last, the median over the rounds of that ratio taken within
		# each round, whose two sides ran back to back
		if (t ~ /-10000$/) {
			other = t; sub(/-10000$/, "-100", other)
			k2 = other "|" cmd[i]
			if ((k2 in wall) && wall[k2] > 0) {
				ratio = sprintf("%.2f", r[1] / wall[k2])
				if (bw[t] > 0 && bw[other] > 0)
					nratio = sprintf("%.2f", (r[1] / bw[t]) / (wall[k2] / bw[other]))
			}
			k = 0
			for (j = 1; j <= rounds; j++) {
				k10 = j "|" t "|" cmd[i]; k1 = j "|" k2
				g10 = j "|" t "|gzip -dc"; g1 = j "|" other "|gzip -dc"
				if ((k10 in w) && (k1 in w) && (g10 in w) && (g1 in w) &&
				    w[k1] > 0 && w[g10] > 0 && w[g1] > 0)
					pr[++k] = (w[k10] / w[g10]) / (w[k1] / w[g1])
			}
			# with the lowest and highest of the rounds: how far
			# one round strays on this machine
			if (k) {
				lo = hi = pr[1]
				for (j = 2; j <= k; j++) {
					if (pr[j] < lo) lo = pr[j]
					if (pr[j] > hi) hi = pr[j]
				}
				pratio = sprintf("%.2f", median(pr, k))
				if (k > 1)
					pratio = pratio sprintf(" (%.2f-%.2f)", lo, hi)
			}
		}
		printf "| %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %s | %s | %s |\n", t, pgds[i], cmd[i],
			r[1], (bw[t] > 0 ? r[1] / bw[t] : 0), r[3], (bc[t] > 0 ? r[3] / bc[t] : 0),
			r[2] / 1024, (br[t] > 0 ? r[2] / br[t] : 0), ratio, nratio, pratio
	}
}' runs="$work/runs" "$work/runs" "$work/rows.raw"
