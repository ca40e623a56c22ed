#!/bin/sh
# completion/pgtrace.bash completes commands, each command's options (as
# its --help lists them), option values and file names.  Exit 77 (skipped)
# without bash.
PGTRACE=$1
command -v bash >/dev/null 2>&1 || { echo "skipped: no bash"; exit 77; }
exec bash -c '
PGTRACE=$1
compopt() { :; }
. completion/pgtrace.bash || exit 1
fail=0
# complete WORDS...: COMPREPLY for the last word, one per line.
complete_words() {
	COMP_WORDS=("$PGTRACE" "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_pgtrace
	printf "%s\n" "${COMPREPLY[@]}"
}
expect() { # WANT WORDS...
	want=$1
	shift
	got=$(complete_words "$@")
	if ! printf "%s\n" "$got" | grep -qx -- "$want"; then
		echo "completing \"$*\": no \"$want\" in: $(echo $got)"
		fail=1
	fi
}
refuse() { # UNWANTED WORDS...
	bad=$1
	shift
	if complete_words "$@" | grep -qx -- "$bad"; then
		echo "completing \"$*\" offers \"$bad\""
		fail=1
	fi
}
expect timeline ti
expect replay re
expect help he
expect diff help d
expect --unshared replay --uns
expect --user-half dump pgd --user
expect --output= timeline --out
expect 6.1 replay --kernel ""
expect --kernel=2.6.21 replay --kernel=2
expect pmd diff --sync p
expect svg timeline --type s
expect pgds dump pg
expect README.md replay READ
expect traces replay trac
expect tests/data/tiny.map dump pgd swapper --core tests/data/tiny-32.elf --symbols tests/data/tiny.m
refuse --user-half replay --us
# Every option every command --help lists is offered.
for c in $("$PGTRACE" --help | awk "/^Commands:/ { on = 1; next } on && /^\$/ { exit } on && /^  [a-z]/ { print \$1 }"); do
	for o in $("$PGTRACE" $c --help | grep -oE -- "(^|[ ,])--[a-z][a-z0-9-]*" | tr -d " ," | sort -u); do
		complete_words $c "$o" | grep -q -- "^$o" || { echo "$c: $o not completed"; fail=1; }
	done
done
exit $fail
' sh "$PGTRACE"
