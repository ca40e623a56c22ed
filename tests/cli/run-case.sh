#!/bin/sh
# Run one golden case: DIR/cmd holds the arguments (one shell line, run from
# the source tree with $PGTRACE standing for the binary); DIR/stdout,
# DIR/stderr and DIR/status hold what must come out, compared whole.
# DIR/stdin, when present, is standard input.  All three expected files
# must exist.
PGTRACE=$1
dir=$2
out=$(mktemp -d) || exit 2
trap 'rm -rf "$out"' EXIT
export PGTRACE
# Cases that read the real captures beside the source tree are skipped
# (exit 77, CTest's SKIP_RETURN_CODE) where ../shared/real is not there.
if grep -q '\.\./shared' "$dir/cmd" && [ ! -d ../shared/real ]; then
  echo "skipped: ../shared/real is not there"
  exit 77
fi
stdin=/dev/null
[ -f "$dir/stdin" ] && stdin=$dir/stdin
sh -c ". \"$dir/cmd\"" <"$stdin" >"$out/stdout" 2>"$out/stderr"
echo $? >"$out/status"
fail=0
for f in stdout stderr status; do
  if [ ! -f "$dir/$f" ]; then
    echo "missing $dir/$f"; fail=1; continue
  fi
  if ! cmp -s "$dir/$f" "$out/$f"; then
    echo "--- $f differs (expected vs actual):"
    diff -u "$dir/$f" "$out/$f" | head -60
    fail=1
  fi
done
exit $fail
