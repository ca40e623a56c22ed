#!/bin/sh
# pgtrace record against a fixture tracefs (plain files, a FIFO for
# trace_pipe) and a hand-built kcore: while the command runs the probe set
# of `pgtrace probes` is defined and enabled, what the command writes to
# trace_pipe is the recording, the start image reads back through the
# image reader, and afterwards the fixture is byte for byte as it was --
# after a normal end, SIGTERM, SIGINT, and an error half way through setup.
# Usage: sh tests/scripts/record-fixture.sh PGTRACE (from the source tree)
PGTRACE=$1
command -v python3 >/dev/null || exit 77
T=$(mktemp -d) && trap 'rm -rf "$T"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }

# A tracefs as the kernel shows it before recording, with someone else's probe.
mkfix() { # DIR
	mkdir -p "$1"
	printf 'p:kprobes/theirs do_sys_open\n' >"$1/kprobe_events"
	printf '0\n' >"$1/tracing_on"
	printf '7 (expanded: 1408)\n' >"$1/buffer_size_kb"
	printf '[local] global counter uptime perf mono mono_raw boot\n' >"$1/trace_clock"
	: >"$1/trace_marker"
	mkdir -p "$1/events/pgt"
	printf '0\n' >"$1/events/pgt/enable"
	for e in sched/sched_process_fork sched/sched_process_exec sched/sched_process_exit \
		sched/sched_process_free module/module_load module/module_free \
		exceptions/page_fault_kernel; do
		mkdir -p "$1/events/$e"
		printf '0\n' >"$1/events/$e/enable"
	done
	mkfifo "$1/trace_pipe"
}
# Every file's name, type and bytes.
state() { (cd "$1" && find . | LC_ALL=C sort | while read -r f; do
	if [ -p "$f" ]; then echo "$f fifo"; elif [ -f "$f" ]; then echo "$f: $(od -An -c "$f" | tr -s ' \n' ' ')"; else echo "$f dir"; fi
done); }

mkfix "$T/fs"
state "$T/fs" >"$T/before"
python3 tests/data/make-kcore.py "$T/kcore" || exit 2
printf 'c0000000 T _text\nc0001000 D swapper_pg_dir\n' >"$T/System.map"
# The events the "kernel" emits while the command runs.
sed -n '/^ *modprobe-44 /,$p' tests/cli/ftrace-odd-comms/in.txt >"$T/events"
[ -s "$T/events" ] || { echo "no events in the fixture"; exit 2; }

cat >"$T/cmd.sh" <<'X'
#!/bin/sh
# $1: the tracefs, $2: where to keep a copy of it while recording, $3: events
mkdir -p "$2" && cp -R "$1/." "$2/" 2>/dev/null
for f in $(cd "$1" && find . -type f); do cp "$1/$f" "$2/$f"; done
cat "$3" >"$1/trace_pipe"
exit 3
X
"$PGTRACE" record --tracefs "$T/fs" -o "$T/out.txt.gz" --start-core "$T/t0.elf" \
	--kcore "$T/kcore" --symbols "$T/System.map" -- sh "$T/cmd.sh" "$T/fs" "$T/during" "$T/events" \
	>"$T/summary" 2>"$T/stderr"
st=$?
[ $st = 0 ] || err "record exited $st: $(cat "$T/stderr")"
[ -s "$T/stderr" ] && err "record wrote to stderr: $(cat "$T/stderr")"
grep -q "exited with status 3" "$T/summary" || err "summary: $(cat "$T/summary")"

# During: the probe set defined after their probe, everything enabled.
"$PGTRACE" probes --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("p:kprobes/theirs do_sys_open")
for p in d["kprobes"]:
    print(p["definition"])' >"$T/want-kprobes"
cmp -s "$T/want-kprobes" "$T/during/kprobe_events" || err "kprobe_events while recording: $(diff "$T/want-kprobes" "$T/during/kprobe_events")"
for f in tracing_on events/pgt/enable events/sched/sched_process_fork/enable events/exceptions/page_fault_kernel/enable; do
	[ "$(cat "$T/during/$f")" = 1 ] || err "$f while recording: $(cat "$T/during/$f")"
done
[ "$(cat "$T/during/buffer_size_kb")" = 16384 ] || err "buffer_size_kb while recording"
[ "$(cat "$T/during/trace_clock")" = global ] || err "trace_clock while recording"
printf 'PHASE start-core\nPHASE start-core-done\n' | cmp -s - "$T/during/trace_marker" || err "markers: $(cat "$T/during/trace_marker")"

# The recording is what came through trace_pipe.
gzip -dc "$T/out.txt.gz" | cmp -s - "$T/events" || err "the recording differs from the events written"
# After: the fixture as it was.
state "$T/fs" >"$T/after"
cmp -s "$T/before" "$T/after" || err "tracefs not restored: $(diff "$T/before" "$T/after")"

# The start image: RAM by physical address, aliases and -1 segments left out.
python3 - "$T/t0.elf" <<'PY' || err "start image layout"
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:4] == b"\x7fELF" and d[4] == 2, "ELF64"
phoff, = struct.unpack_from("<Q", d, 32)
phnum, = struct.unpack_from("<H", d, 56)
segs = []
for i in range(phnum):
    t, fl, off, va, pa, fs, ms, al = struct.unpack_from("<IIQQQQQQ", d, phoff + 56 * i)
    segs.append((pa, fs, d[off:off + fs]))
assert [(p, f) for p, f, _ in segs] == [(0, 0x10000), (0x100000, 0x1000)], segs
assert segs[0][2][0x4000:0x4011] == b"pgtrace-kcore-low"
assert segs[1][2][:18] == b"pgtrace-kcore-high"
PY
cmp -s "$T/System.map" "$T/t0.elf.map" || err "t0.elf.map is not the System.map"
out=$("$PGTRACE" translate --pgd swapper --core "$T/t0.elf" --symbols "$T/t0.elf.map" 0xc0000123 2>&1) || err "translate on the start image: $out"
echo "$out" | grep -q 0x00000123 || err "translate 0xc0000123: $out"

# A System.map that is not the running kernel's (KASLR): refused, undone.
printf 'c1000000 T _text\nc1e98000 D swapper_pg_dir\n' >"$T/kallsyms"
"$PGTRACE" record --tracefs "$T/fs" -o "$T/out5" --start-core "$T/t1.elf" --kcore "$T/kcore" \
	--symbols "$T/System.map" --kallsyms "$T/kallsyms" -- true >/dev/null 2>"$T/stderr5"
st=$?
[ $st = 2 ] || err "KASLR: exit $st"
grep -q "swapper_pg_dir is 0xc0001000 there but 0xc1e98000 in" "$T/stderr5" || err "KASLR message: $(cat "$T/stderr5")"
[ -e "$T/t1.elf" ] && err "KASLR: an image was left"
[ -e "$T/out5" ] && err "KASLR: a partial output was left"
state "$T/fs" >"$T/after"
cmp -s "$T/before" "$T/after" || err "KASLR: tracefs not restored: $(diff "$T/before" "$T/after")"

# SIGTERM and SIGINT without a command: stops, restores.
for sig in TERM INT; do
	rm -f "$T/out2"
	"$PGTRACE" record --tracefs "$T/fs" -o "$T/out2" >"$T/summary2" 2>&1 &
	pid=$!
	i=0
	while [ "$(cat "$T/fs/tracing_on")" != 1 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ "$(cat "$T/fs/tracing_on")" = 1 ] || err "SIG$sig: recording never started"
	printf 'x-1 [000] ..... 1.000000: purge_va: (x) start=0x0 end=0x0\n' >"$T/fs/trace_pipe"
	sleep 0.3
	kill -s "$sig" $pid
	wait $pid || err "SIG$sig: record exited $?: $(cat "$T/summary2")"
	grep -q "stopped by" "$T/summary2" || err "SIG$sig summary: $(cat "$T/summary2")"
	grep -q purge_va "$T/out2" || err "SIG$sig: the event written before the signal is missing"
	state "$T/fs" >"$T/after"
	cmp -s "$T/before" "$T/after" || err "SIG$sig: tracefs not restored: $(diff "$T/before" "$T/after")"
done

# An error half way (a tracepoint's enable file is unusable: a directory,
# which stops root too): everything done before it is undone.
mv "$T/fs/events/module/module_load/enable" "$T/enable.saved"
mkdir "$T/fs/events/module/module_load/enable"
state "$T/fs" >"$T/before3"
"$PGTRACE" record --tracefs "$T/fs" -o "$T/out3" -- true >/dev/null 2>"$T/stderr3"
st=$?
[ $st = 2 ] || err "setup error: exit $st"
grep -q "module_load/enable" "$T/stderr3" || err "setup error message: $(cat "$T/stderr3")"
[ -e "$T/out3" ] && err "setup error: a partial output was left"
state "$T/fs" >"$T/after"
cmp -s "$T/before3" "$T/after" || err "setup error: tracefs not restored: $(diff "$T/before3" "$T/after")"
rmdir "$T/fs/events/module/module_load/enable"
mv "$T/enable.saved" "$T/fs/events/module/module_load/enable"

# Probes of group pgt already there: refused, nothing touched.
printf 'p:pgt/pgd_alloc pgd_alloc mm=$arg1:x32\n' >>"$T/fs/kprobe_events"
state "$T/fs" >"$T/before2"
"$PGTRACE" record --tracefs "$T/fs" -- true >/dev/null 2>"$T/stderr4" && err "pgt probes already defined: not refused"
grep -q "already defines probes of group pgt" "$T/stderr4" || err "refusal message: $(cat "$T/stderr4")"
state "$T/fs" >"$T/after"
cmp -s "$T/before2" "$T/after" || err "refusal touched tracefs"
exit $fail
