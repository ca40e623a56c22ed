#!/bin/sh
# Create or refresh a golden case: tests/cli/bless.sh BUILD/pgtrace NAME 'ARGS'
# writes tests/cli/NAME/cmd ('$PGTRACE ARGS') and records what it prints.
# Read the new stdout/stderr before committing: a golden file is a claim.
set -eu
bin=$1 name=$2 args=$3
dir=$(dirname "$0")/$name
mkdir -p "$dir"
printf '$PGTRACE %s\n' "$args" >"$dir/cmd"
cd "$(dirname "$0")/../.."
set +e
PGTRACE=$bin sh -c ". \"tests/cli/$name/cmd\"" </dev/null >"tests/cli/$name/stdout" 2>"tests/cli/$name/stderr"
echo $? >"tests/cli/$name/status"
cat "tests/cli/$name/status"
