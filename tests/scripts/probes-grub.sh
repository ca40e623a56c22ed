#!/bin/sh
# The boot recipe of `pgtrace probes` survives /etc/default/grub: the line
# it prints, sourced by sh as update-grub does and split into words as
# GRUB's script parser splits the linux line (single quotes, ';'; no '$'
# is left for either to expand), gives the kernel exactly the command line
# `probes --json` names, with the probe definitions intact.
# Usage: sh tests/scripts/probes-grub.sh PGTRACE
PGTRACE=$1
command -v python3 >/dev/null || exit 77
T=$(mktemp -d) && trap 'rm -rf "$T"' EXIT
"$PGTRACE" probes --json >"$T/probes.json" || exit 1
python3 - "$T" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1] + "/probes.json"))
k = d["kernel_cmdline"]
want = ("quiet trace_buf_size=%s trace_clock=%s trace_event=%s kprobe_event=%s"
        % (k["trace_buf_size"], k["trace_clock"], k["trace_event"], k["kprobe_event"]))
open(sys.argv[1] + "/want", "w").write(want + "\n")
# Each boot probe, back to kprobe_events form, names the same events and
# fields as the run-time definition.
boot = k["kprobe_event"].split(";")
runtime = [p for p in d["kprobes"] if p["boot"]]
assert len(boot) == len(runtime), (len(boot), len(runtime))
for b, p in zip(boot, runtime):
    bw, rw = b.split(","), p["definition"].split(" ")
    assert bw[:2] == rw[:2], (bw, rw)
    assert [f.split("=")[0] for f in bw[2:]] == [f.split("=")[0] for f in rw[2:]], (b, p)
assert "$" not in d["grub_cmdline_linux_default"]
open(sys.argv[1] + "/grub", "w").write(
    'GRUB_CMDLINE_LINUX_DEFAULT="%s"\n' % d["grub_cmdline_linux_default"])
PY
# update-grub: sh sources the file.  GRUB: the value, unquoted on the
# linux line, is split into words with quotes removed.
got=$(sh -c '. "$1/grub" && eval "set -- $GRUB_CMDLINE_LINUX_DEFAULT" && printf "%s " "$@"' sh "$T") || exit 1
got=${got% }
want=$(cat "$T/want")
if [ "$got" != "$want" ]; then
	echo "kernel command line after GRUB differs:"
	printf 'got:  %s\nwant: %s\n' "$got" "$want"
	exit 1
fi
