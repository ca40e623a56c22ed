#!/bin/sh
# The ftrace reader's time is linear in its input: inputs that were
# quadratic (a 1 MB line of ") [0] ", 26 s; 200000 tasks waiting in
# pgd_alloc at once, 13 s) must each finish within a CPU-time limit far
# above what a linear reader needs (under 1 s even with sanitizers).
# This is a guard against a blow-up, not a measurement (bench/ measures).
set -eu
bin=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# One 1 MB line of candidate "[CPU]" fields after the first event line.
{
	echo '# tracer: nop'
	echo ' a-1 [000] ..... 1.000000: module_load: m'
	awk 'BEGIN { printf "x"; for (i = 0; i < 166000; i++) printf ") [0] "; print "" }'
} >"$T/long.txt"
status=0
( ulimit -t 5; "$bin" replay "$T/long.txt" >"$T/out" 2>"$T/err" ) || status=$?
# The line is not an event line: a clean error, exit 2, within the limit.
if [ "$status" -ne 2 ] || ! grep -q 'long.txt:3: not an ftrace event line' "$T/err"; then
	echo "long line: status $status (killed by the CPU limit when > 128)"
	cat "$T/err"
	exit 1
fi

# 200000 pgd_alloc entries waiting at once, then their returns.
awk 'BEGIN {
	print "# tracer: nop"
	for (i = 1; i <= 200000; i++)
		printf " t-%d [000] ..... 1.000000: pgd_alloc: (pgd_alloc+0x0/0x2f0) mm=0x%x\n", i, i * 4096
	for (i = 200000; i >= 1; i--)
		printf " t-%d [001] ..... 2.000000: pgd_alloc_ret: (mm_init+0x1/0x2 <- pgd_alloc) ret=0x%x\n", i, 0xc0000000 + i * 32
}' >"$T/pending.txt"
status=0
( ulimit -t 5; "$bin" convert "$T/pending.txt" "$T/out.trace" >"$T/out" 2>"$T/err" ) || status=$?
if [ "$status" -ne 0 ] || [ "$(grep -c '^pgd_alloc ' "$T/out.trace")" -ne 200000 ]; then
	echo "pending: status $status"
	cat "$T/err"
	exit 1
fi
echo "ftrace-linear: ok"
