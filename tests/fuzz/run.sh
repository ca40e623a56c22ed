#!/bin/sh
# run.sh HARNESS SEEDS WORKDIR SECONDS: run a libFuzzer harness for SECONDS
# on the seed corpus SEEDS (read only).  New inputs go to WORKDIR/corpus, a
# crash, leak or timeout to WORKDIR/crash-* (and the test fails).
set -eu
harness=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
exec "$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-max_len=65536 -print_final_stats=1 -artifact_prefix="$work/" \
	"$work/corpus" "$seeds"
