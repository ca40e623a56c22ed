#!/bin/sh
# A report's rows stay in allocation order when the freed pgds' rows go
# through the spool's sorted runs and its temporary file (cli/spool.c):
# 40000 pgds (two runs of 16384 rows and more), each allocated in place
# of one of 2000 live ones picked by a stride, so the frees come in an
# order far from the allocations'; 2000 left alive.  replay --all lists each once, in
# allocation order; diff --all pairs each once.
set -eu
bin=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

awk 'BEGIN {
	print "# pgtrace-trace 1"
	print "machine kernel=6.1"
	for (i = 1; i <= 40000; i++) {
		if (i > 2000) {
			k = (i * 7919) % 2000
			print "pgd_free pgd=" pool[k]
		} else {
			k = i - 1
		}
		pool[k] = i
		print "pgd_alloc pgd=" i
	}
}' >"$T/trace"

"$bin" replay --unshared --all "$T/trace" >"$T/out"
awk '$1 ~ /^[0-9]+$/ && NF >= 12 { print $1 }' "$T/out" >"$T/rows"
seq 40000 >"$T/want"
if ! cmp -s "$T/rows" "$T/want"; then
	echo "replay --all: rows not each pgd once in allocation order"
	diff "$T/want" "$T/rows" | head -5
	exit 1
fi
if ! grep -q '^totals:  2000 live pgds,' "$T/out"; then
	echo "replay --all: wrong totals"
	grep totals "$T/out"
	exit 1
fi

status=0
"$bin" diff --shared --unshared --all "$T/trace" >"$T/diff" || status=$?
awk '$1 ~ /^[0-9]+$/ && $4 == "|" { print $1 }' "$T/diff" >"$T/pairs"
if [ "$status" != 0 ] || ! grep -q '^0 of 40000 pgds differ$' "$T/diff" ||
	! cmp -s "$T/pairs" "$T/want"; then
	echo "diff --all (status $status): not 40000 pairs, one per pgd in allocation order"
	diff "$T/want" "$T/pairs" | head -5
	tail -3 "$T/diff"
	exit 1
fi
echo "40000 rows in allocation order; diff pairs 40000"
