#!/bin/sh
# Every way of asking for help prints the same: `pgtrace -h`, `pgtrace
# help` and `pgtrace --help`; for each command, `pgtrace help CMD`,
# `pgtrace CMD -h` and `pgtrace CMD --help` (status 0, on stdout).
PGTRACE=$1
fail=0
same() { # WHAT ARGS-A -- ARGS-B
	what=$1
	shift
	a=$("$PGTRACE" $1 2>&1) || { echo "pgtrace $1: status $?"; fail=1; }
	b=$("$PGTRACE" $2 2>&1) || { echo "pgtrace $2: status $?"; fail=1; }
	if [ "$a" != "$b" ] || [ -z "$a" ]; then
		echo "$what: 'pgtrace $1' and 'pgtrace $2' differ"
		fail=1
	fi
}
same main "-h" "--help"
same main "help" "--help"
cmds=$("$PGTRACE" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
	on && /^  [a-z]/ { print $1 }')
[ -n "$cmds" ] || { echo "pgtrace --help lists no commands"; exit 1; }
for c in $cmds; do
	same "$c" "help $c" "$c --help"
	same "$c" "$c -h" "$c --help"
done
# Unknown commands and options before the command are errors (status 2).
"$PGTRACE" help no-such-command >/dev/null 2>&1
[ $? -eq 2 ] || { echo "pgtrace help no-such-command: not status 2"; fail=1; }
exit $fail
