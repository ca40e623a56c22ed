#!/bin/sh
# README's example outputs are what the binary prints: each fenced block
# after the first (the commands) is compared whole with its command's
# output.  Usage: sh tests/scripts/readme.sh PGTRACE (from the source tree).
PGTRACE=$1
fail=0
check() { # BLOCK-NUMBER ARGS...
	n=$1
	shift
	want=$(awk -v n="$n" '/^```/ { b++; next } b == 2 * n - 1' README.md)
	got=$("$PGTRACE" "$@")
	if [ "$want" != "$got" ]; then
		echo "README block $n differs from 'pgtrace $*':"
		printf '%s\n' "$got" | diff -u - /dev/fd/3 3<<EOF2 | head -30
$want
EOF2
		fail=1
	fi
}
check 2 replay --unshared traces/real-6.1-pti.trace.gz
check 3 replay --unshared traces/vmalloc-after-fork.trace
check 4 timeline --unshared -o - traces/vmalloc-after-fork.trace

# The Tests section names every unit test and script there is, and no other.
tests=$(awk '/^## Tests/ { on = 1; next } /^## / { on = 0 } on' README.md)
for f in tests/unit/test_*.c tests/scripts/*.sh; do
	name=$(basename "$f")
	case $f in *.c) name=${name%.c} ;; esac
	printf '%s\n' "$tests" | grep -q "\`$name\`" ||
		{ echo "README's Tests section does not name $f"; fail=1; }
done
for name in $(printf '%s\n' "$tests" | grep -oE '`(test_[a-z0-9_]+|[a-z0-9-]+\.sh)`' | tr -d '`' | sort -u); do
	case $name in
	test_util) ;;
	test_*) [ -f "tests/unit/$name.c" ] || { echo "README names $name, not in tests/unit"; fail=1; } ;;
	*) [ -f "tests/scripts/$name" ] || { echo "README names $name, not in tests/scripts"; fail=1; } ;;
	esac
done
# The test command honours JOBS.
grep -q 'JOBS=' README.md && grep -q 'JOBS:-' tests/run-all ||
	{ echo "README's test command or tests/run-all ignores JOBS"; fail=1; }

# pgtrace(1)'s example outputs: a '.\" pgtrace ARGS' comment, then the
# output up to '.ft', with roff's \- for '-'.
grep -n '^\.\\" pgtrace ' man/pgtrace.1 | while IFS=: read -r line rest; do
	args=${rest#.\\\" pgtrace }
	want=$(awk -v l="$line" 'NR > l && /^\.ft/ { exit } NR > l' man/pgtrace.1 |
		sed 's/\\-/-/g; s/\\e/\\/g')
	# shellcheck disable=SC2086
	got=$("$PGTRACE" $args)
	if [ "$want" != "$got" ]; then
		echo "pgtrace(1) line $line: the example differs from 'pgtrace $args'"
		exit 1
	fi
done || fail=1
exit $fail
