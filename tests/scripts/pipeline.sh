#!/bin/sh
# The reading pipeline seen from outside (cli/pipeline.c, cli/progress.c,
# formats/lineio.c): on traces larger than a batch of events and a chunk
# of input,
#  - a model error in the middle wins over a later parse error, for replay
#    (one thread) and diff (two model threads), with the same message;
#  - diff prints the same thing every time;
#  - --progress writes only to standard error: '\r'-rewritten lines naming
#    the events, erased at the end with '\r' ESC [K; standard output is
#    byte for byte what it is without; by default, with standard error not
#    a terminal, nothing; --no-progress, nothing;
#  - a gzip trace on standard input (a pipe) reads as the file does.
# Usage: sh tests/scripts/pipeline.sh PGTRACE (from the source tree).
PGTRACE=$1
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "$*"; fail=1; }

# 30,000 accesses, an unknown pgd at line 15,003, a bad operation later.
awk 'BEGIN {
	print "# pgtrace-trace 1"
	print "pgd_alloc pgd=1"
	for (i = 0; i < 30000; i++) {
		if (i == 15000) print "access addr=0xc0001000 pgd=2"
		else print "access addr=0xc0001000 pgd=1"
		if (i == 25000) print "bogus x=1"
	}
}' >"$tmp/err.trace"
for cmd in "replay" "diff --shared --unshared"; do
	$PGTRACE $cmd "$tmp/err.trace" >"$tmp/out" 2>"$tmp/msg"
	status=$?
	[ "$status" = 2 ] || bad "$cmd: status $status, expected 2"
	[ -s "$tmp/out" ] && bad "$cmd: printed a result despite the error"
	grep -q "^pgtrace: $tmp/err.trace:15003: " "$tmp/msg" ||
		bad "$cmd: expected the model error at line 15003, got: $(cat "$tmp/msg")"
done

# A good trace of the same size: no error, compare outputs.
grep -v -e 'pgd=2' -e bogus "$tmp/err.trace" | gzip -c >"$tmp/ok.trace.gz"
$PGTRACE diff --shared --unshared "$tmp/ok.trace.gz" >"$tmp/d1"
$PGTRACE diff --shared --unshared "$tmp/ok.trace.gz" >"$tmp/d2"
grep -q '30000 events' "$tmp/d1" || bad "diff: expected 30000 events: $(head -1 "$tmp/d1")"
cmp -s "$tmp/d1" "$tmp/d2" || bad "diff: two runs print different things"

$PGTRACE replay "$tmp/ok.trace.gz" >"$tmp/plain" 2>"$tmp/plain.err" ||
	bad "replay failed"
[ -s "$tmp/plain.err" ] && bad "replay: standard error not empty by default when not a terminal"
$PGTRACE replay --progress "$tmp/ok.trace.gz" >"$tmp/prog" 2>"$tmp/prog.err" ||
	bad "replay --progress failed"
cmp -s "$tmp/plain" "$tmp/prog" || bad "replay --progress: standard output differs"
# every progress line starts with CR and names the file and the events
cr=$(printf '\r')
esc=$(printf '\033')
tr '\r' '\n' <"$tmp/prog.err" | grep -v '^$' >"$tmp/lines"
[ -s "$tmp/lines" ] || bad "replay --progress: no progress line"
grep -v -e "^$tmp/ok.trace.gz: *[0-9.]*%, [0-9]* events, [0-9.]* M events/s, [0-9:]* left${esc}\[K\$" \
	-e "^${esc}\[K\$" "$tmp/lines" >"$tmp/odd" && bad "replay --progress: unexpected stderr: $(cat "$tmp/odd")"
case $(tail -c 4 "$tmp/prog.err" | od -An -c | tr -d ' ') in
'\r033[K') ;;
*) bad "replay --progress: the line is not erased at the end" ;;
esac
[ "$(head -c 1 "$tmp/prog.err")" = "$cr" ] || bad "replay --progress: does not start with CR"
$PGTRACE replay --progress --no-progress "$tmp/ok.trace.gz" >/dev/null 2>"$tmp/np.err"
[ -s "$tmp/np.err" ] && bad "--no-progress: standard error not empty"
$PGTRACE replay --json "$tmp/ok.trace.gz" >"$tmp/j1" 2>/dev/null
$PGTRACE replay --json --progress "$tmp/ok.trace.gz" >"$tmp/j2" 2>/dev/null
cmp -s "$tmp/j1" "$tmp/j2" || bad "replay --json --progress: standard output differs"
# a pipe: no share of the input, only events
gzip -dc "$tmp/ok.trace.gz" | $PGTRACE replay --progress - >/dev/null 2>"$tmp/pipe.err"
tr '\r' '\n' <"$tmp/pipe.err" | grep -q "^<stdin>: [0-9]* events, [0-9.]* M events/s${esc}\[K\$" ||
	bad "replay --progress -: expected '<stdin>: N events, R M events/s'"

# gzip through a pipe reads as the file does (apart from the name)
cat "$tmp/ok.trace.gz" | $PGTRACE replay - | sed 1d >"$tmp/p1"
sed 1d "$tmp/plain" >"$tmp/p2"
cmp -s "$tmp/p1" "$tmp/p2" || bad "replay - (gzip on a pipe) differs from the file"
exit $fail
