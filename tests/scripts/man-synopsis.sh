#!/bin/sh
# Keep pgtrace's --help/--usage and man/pgtrace.1 in agreement:
#  - every command of `pgtrace --help` has SYNOPSIS lines, and they are the
#    command's usage lines (`Usage:` and `or:` of `pgtrace CMD --help`);
#    the SYNOPSIS names no command that does not exist;
#  - `pgtrace CMD --help` and `pgtrace CMD --usage` list the same options;
#  - every long option of `pgtrace CMD --help` appears in the command's man
#    section (between the roff comments `BEGIN CMD` and `END CMD`), or in a
#    common place: text outside every command section, or, for an option
#    CMD shares with replay (the same --help entry), the replay section;
#  - every long option the command's section names, and every option of a
#    `pgtrace CMD ...` line in EXAMPLES, exists in `pgtrace CMD --help`.
# Prints each disagreement and exits 1; run from the source tree with the
# binary as $1 (tests/CMakeLists.txt).
PGTRACE=$1
MAN=${MAN:-man/pgtrace.1}
[ -x "$PGTRACE" ] || { echo "usage: $0 PGTRACE-BINARY"; exit 2; }
[ -f "$MAN" ] || { echo "$MAN: not found (run from the source tree)"; exit 2; }
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "$*"; fail=1; }

# The man page with roff escapes for '-' undone.
sed 's/\\-/-/g' "$MAN" >"$tmp/man"

# Text of a section: lines between .\" BEGIN NAME and .\" END NAME.
section() {
	awk -v b=".\\\\\" BEGIN $1" -v e=".\\\\\" END $1" \
		'$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$tmp/man"
}
# Text outside every BEGIN/END block (and outside SYNOPSIS and EXAMPLES).
awk '/^\.\\" BEGIN / { depth++; next } /^\.\\" END / { depth--; next }
	depth == 0 { print }' "$tmp/man" >"$tmp/common"

# Long options named in a text: --name (up to '=', space, font escape...).
long_opts() {
	grep -o -- '--[a-z][a-z0-9-]*' | sed 's/-*$//' | sort -u
}
# Long options of an argp --help: "  -c, --core=..." or "      --kernel=...".
help_opts() {
	grep -E -- '^(  -[^-], |      )--[a-z]' | sed -E 's/^ +(-[^-], )?//' |
		long_opts | grep -v -x -e --help -e --usage -e --version
}
# One option's first --help line, to tell whether two commands share it.
help_entry() {
	grep -E -- "^(  -[^-], |      )$2([= ]|\$)" "$1" | head -1
}
# Roff to plain words: drop font escapes, requests, quotes; squeeze blanks.
plain() {
	sed -e 's/\\f[BIRP]//g' -e 's/\\f(CR//g' -e 's/\\&//g' -e 's/\\(dq/"/g' \
		-e 's/^\.[A-Z][A-Z]* *//' -e 's/"//g' | tr -s ' \t' '  ' |
		sed -e 's/^ //' -e 's/ $//'
}

# The commands of `pgtrace --help`.
"$PGTRACE" --help >"$tmp/main.help" 2>&1 || bad "pgtrace --help failed"
awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
	on && /^  [a-z]/ { print $1 }' "$tmp/main.help" >"$tmp/commands"
[ -s "$tmp/commands" ] || bad "pgtrace --help lists no commands"

# SYNOPSIS: ".B pgtrace CMD" then the arguments on the next line (or the same).
section SYNOPSIS | awk '
	/^\.br/ { next }
	/^\.B pgtrace / { if (cur != "") print cur; cur = $0; next }
	cur != "" { cur = cur " " $0 }
	END { if (cur != "") print cur }' | plain >"$tmp/synopsis"
awk '{ print $2 }' "$tmp/synopsis" | sort -u >"$tmp/syn.commands"
for c in $(cat "$tmp/syn.commands"); do
	grep -q -x "$c" "$tmp/commands" ||
		bad "SYNOPSIS: 'pgtrace $c' is not a command of pgtrace --help"
done

"$PGTRACE" replay --help >"$tmp/replay.help" 2>/dev/null
for c in $(cat "$tmp/commands"); do
	grep "^pgtrace $c " "$tmp/synopsis" | sort >"$tmp/$c.syn"
	[ -s "$tmp/$c.syn" ] || bad "$c: no SYNOPSIS line for 'pgtrace $c'"
	if ! "$PGTRACE" "$c" --help >"$tmp/$c.help" 2>"$tmp/$c.err"; then
		bad "$c: 'pgtrace $c --help' failed: $(head -1 "$tmp/$c.err")"
		continue
	fi
	"$PGTRACE" "$c" --usage >"$tmp/$c.usage" 2>&1 ||
		bad "$c: 'pgtrace $c --usage' failed"

	# Usage lines against the SYNOPSIS lines.
	awk '/^Usage: / { sub(/^Usage: /, ""); print; next }
		/^  or:  / { sub(/^  or:  /, ""); print; next }
		{ exit }' "$tmp/$c.help" | tr -s ' ' ' ' | sed 's/ $//' |
		sort >"$tmp/$c.use"
	if [ -s "$tmp/$c.syn" ] && ! cmp -s "$tmp/$c.use" "$tmp/$c.syn"; then
		bad "$c: SYNOPSIS and --help usage differ:"
		sed 's/^/    --help:   /' "$tmp/$c.use"
		sed 's/^/    SYNOPSIS: /' "$tmp/$c.syn"
	fi

	# --help and --usage: the same options.
	help_opts <"$tmp/$c.help" >"$tmp/$c.opts"
	long_opts <"$tmp/$c.usage" |
		grep -v -x -e --help -e --usage -e --version >"$tmp/$c.usage.opts"
	if ! cmp -s "$tmp/$c.opts" "$tmp/$c.usage.opts"; then
		bad "$c: --help and --usage list different options:"
		diff "$tmp/$c.opts" "$tmp/$c.usage.opts" | sed -n 's/^[<>]/   &/p'
	fi

	# The man section of the command.
	section "$c" >"$tmp/$c.sec"
	if [ ! -s "$tmp/$c.sec" ]; then
		bad "$c: no man section (BEGIN $c ... END $c) or it is empty"
		continue
	fi
	long_opts <"$tmp/$c.sec" >"$tmp/$c.man"
	long_opts <"$tmp/common" >"$tmp/common.opts"
	section replay | long_opts >"$tmp/replay.man"
	missing=
	for o in $(cat "$tmp/$c.opts"); do
		grep -q -x -- "$o" "$tmp/$c.man" && continue
		grep -q -x -- "$o" "$tmp/common.opts" && continue
		if [ "$c" != replay ] && grep -q -x -- "$o" "$tmp/replay.man"; then
			e=$(help_entry "$tmp/$c.help" "$o")
			[ -n "$e" ] && [ "$e" = "$(help_entry "$tmp/replay.help" "$o")" ] &&
				continue
		fi
		missing="$missing $o"
	done
	[ -z "$missing" ] ||
		bad "$c: options of 'pgtrace $c --help' missing from its man section:$missing"
	extra=
	for o in $(cat "$tmp/$c.man"); do
		grep -q -x -- "$o" "$tmp/$c.opts" || extra="$extra $o"
	done
	[ -z "$extra" ] ||
		bad "$c: the man section names options 'pgtrace $c --help' does not have:$extra"
done

# EXAMPLES: each "pgtrace CMD ..." line uses only CMD's options.
section EXAMPLES | plain | grep -o 'pgtrace [a-z][a-z]*.*' >"$tmp/examples" || true
while IFS= read -r line; do
	c=$(echo "$line" | awk '{ print $2 }')
	if ! grep -q -x "$c" "$tmp/commands"; then
		bad "EXAMPLES: 'pgtrace $c' is not a command: $line"
		continue
	fi
	[ -f "$tmp/$c.opts" ] || continue
	for o in $(echo "$line" | long_opts); do
		grep -q -x -- "$o" "$tmp/$c.opts" ||
			bad "EXAMPLES: $c has no option $o: $line"
	done
done <"$tmp/examples"

[ $fail -eq 0 ] && echo "man/pgtrace.1 SYNOPSIS and sections agree with --help for: $(tr '\n' ' ' <"$tmp/commands")"
exit $fail
