#!/bin/sh
# Every golden --json output follows its command's JSON Schema
# (man/json/COMMAND.schema.json, sharing man/json/defs.schema.json), and
# across all of them one key has one JSON type.  The outputs are the golden
# cases' recorded stdout (stderr for convert, whose summary goes there when
# OUT is '-'), plus a timeline JSON file written here.  Exit 77 (skipped)
# without python3's jsonschema module (python3-jsonschema).
PGTRACE=$1
python3 -c 'import jsonschema' 2>/dev/null || { echo "skipped: no python3 jsonschema module"; exit 77; }
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
"$PGTRACE" timeline --unshared --kernel=2.6.21 --kernel=6.1 --points=20 \
	-o "$tmp/timeline.json" traces/real-6.1-pti.trace.gz >/dev/null || exit 1
"$PGTRACE" timeline --unshared --phases --json -o "$tmp/t.csv" \
	traces/sync-stride.trace >"$tmp/timeline-summary.json" || exit 1
python3 - "$tmp" <<'PY'
import glob, json, os, re, sys, warnings
import jsonschema
tmp = sys.argv[1]
schemas = {}
for path in glob.glob("man/json/*.schema.json"):
    with open(path) as f:
        s = json.load(f)
    jsonschema.Draft202012Validator.check_schema(s)
    schemas[os.path.basename(path)[:-len(".schema.json")]] = s
store = {s["$id"]: s for s in schemas.values()}

def validator(name):
    s = schemas[name]
    try:
        from referencing import Registry, Resource
        reg = Registry().with_resources(
            [(k, Resource.from_contents(v)) for k, v in store.items()])
        return jsonschema.Draft202012Validator(s, registry=reg)
    except ImportError:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = jsonschema.RefResolver(s["$id"], s, store=store)
        return jsonschema.Draft202012Validator(s, resolver=res)

# The command of a case: the words after the last $PGTRACE.
def command(cmd):
    words = cmd.split("$PGTRACE")[-1].split()
    if words[0] == "dump":
        return "dump-pgds" if "pgds" in words[1:3] else "dump-pgd"
    if words[0] == "timeline":
        return "timeline-file" if "--type=json" in words else "timeline"
    return words[0]

docs = []  # (where, schema name, document)
for d in sorted(glob.glob("tests/cli/*/")):
    cmd = open(d + "cmd").read()
    if "--json" not in cmd and "--type=json" not in cmd:
        continue
    name = command(cmd)
    for stream in ("stdout", "stderr"):
        text = open(d + stream).read().strip()
        if text.startswith("{"):
            docs.append((d + stream, name, json.loads(text)))
            break
    else:
        if open(d + "status").read().strip() == "0":
            print("%s: no JSON output" % d)
            sys.exit(1)
docs.append((tmp + "/timeline.json", "timeline-file", json.load(open(tmp + "/timeline.json"))))
docs.append((tmp + "/timeline-summary.json", "timeline", json.load(open(tmp + "/timeline-summary.json"))))

bad = 0
seen = set()
for where, name, doc in docs:
    if name not in schemas:
        print("%s: no schema man/json/%s.schema.json" % (where, name))
        bad = 1
        continue
    seen.add(name)
    errors = sorted(validator(name).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors[:5]:
        print("%s (%s): %s at %s" % (where, name, e.message, "/".join(map(str, e.path))))
        bad = 1

# One name, one type, across every output.
types = {}
def walk(v, where):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "ops":  # convert's counts by event name: data, not keys
                continue
            t = ("object" if isinstance(x, dict) else "array" if isinstance(x, list)
                 else "boolean" if isinstance(x, bool) else "number" if isinstance(x, (int, float))
                 else "string" if isinstance(x, str) else None)
            if t:
                types.setdefault(k, {}).setdefault(t, where)
            walk(x, where)
    elif isinstance(v, list):
        for x in v:
            walk(x, where)
for where, name, doc in docs:
    walk(doc, where)
for k, ts in sorted(types.items()):
    if len(ts) > 1:
        print("key %r has several types: %s" % (k, ", ".join("%s in %s" % kv for kv in ts.items())))
        bad = 1
# record needs a tracefs: its schema is checked as a schema only.
unused = set(schemas) - seen - {"defs", "record"}
if unused:
    print("schemas no output was checked against: %s" % ", ".join(sorted(unused)))
    bad = 1
print("%d JSON outputs checked against %d schemas" % (len(docs), len(seen)))
sys.exit(bad)
PY
