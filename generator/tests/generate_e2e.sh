#!/usr/bin/env bash
# vaultwatch generate + score, end to end with the real binary:
#   1. the same seed and options give byte-identical records, labels and summary; another seed differs;
#   2. every AlertType has a primary label; the summary's counts add up to the records written;
#   3. envelopes carry the same number of records;
#   4. ingest (`vaultwatch normalize`) accepts every record: 0 dead letters;
#   5. score: alerts made from the labels pass --min-recall 1 --max-fp-per-million 0; no alerts
#      fail --min-recall 1 (exit 1); an unrelated alert is a false positive; a duplicate fails.
#   generate_e2e.sh VAULTWATCH SOURCE_DIR WORK_DIR
set -euo pipefail
vw=$1
src=$2
work=$3
rm -rf "$work" && mkdir -p "$work"
cd "$src"
fail() { echo "FAIL: $*" >&2; exit 1; }
gen() { "$vw" generate --quiet --tenant small --days 4 --history-days 2 --events-per-day 20000 "$@"; }

# 1. Determinism.
gen --seed 11 --output "$work/a.ndjson" --labels "$work/a.labels"
gen --seed 11 --output "$work/b.ndjson" --labels "$work/b.labels"
gen --seed 12 --output "$work/c.ndjson" --labels "$work/c.labels"
cmp -s "$work/a.ndjson" "$work/b.ndjson" || fail "same seed, different records"
cmp -s "$work/a.labels" "$work/b.labels" || fail "same seed, different labels"
cmp -s "$work/a.labels.summary.json" "$work/b.labels.summary.json" || fail "same seed, different summary"
cmp -s "$work/a.ndjson" "$work/c.ndjson" && fail "different seeds, same records"

# 2. Labels and summary.
python3 - "$work/a.ndjson" "$work/a.labels" "$work/a.labels.summary.json" <<'PY'
import json, sys
records = sum(1 for _ in open(sys.argv[1]))
labels = [json.loads(l) for l in open(sys.argv[2])]
summary = json.load(open(sys.argv[3]))
assert summary["events_total"] == records, (summary, records)
assert summary["events_benign"] + summary["events_attack"] == records
assert summary["labels"] == len(labels)
primary = {l["AlertType"] for l in labels if l["role"] == "primary"}
assert len(primary) == 20, sorted(primary)
for l in labels:
    assert set(l) == {"scenario", "AlertType", "vault", "caller", "ip", "start", "end", "role"}, l
    assert l["start"] <= l["end"], l
PY

# 3. Envelopes.
gen --seed 11 --format envelope --envelope-size 100 --output "$work/env.json"
python3 - "$work/env.json" "$work/a.ndjson" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    recs = json.loads(line)["records"]
    assert 1 <= len(recs) <= 100
    n += len(recs)
assert n == sum(1 for _ in open(sys.argv[2])), n
PY

# 4. Ingest accepts everything.
if "$vw" help 2>&1 | grep -q "^  normalize"; then
  "$vw" normalize --input "$work/a.ndjson" --output /dev/null --deadletter "$work/a.dead" 2>"$work/norm.err"
  grep -q "deadlettered=0 " "$work/norm.err" || fail "normalize: $(tail -3 "$work/norm.err")"
  [ ! -s "$work/a.dead" ] || fail "dead letters: $(head -c 600 "$work/a.dead")"
else
  fail "vaultwatch has no normalize command"
fi

# 5. Scorer.
python3 - "$work/a.labels" "$work/perfect.jsonl" "$work/fp.jsonl" <<'PY'
import json, sys, uuid
labels = [json.loads(l) for l in open(sys.argv[1])]
def alert(l, i, vault=None, caller=None):
    ents = [{"$id": "1", "Type": "azure-resource", "ResourceId": vault if vault is not None else l["vault"]}]
    ents.append({"$id": "2", "Type": "account", "AadUserId": caller if caller is not None else l["caller"]})
    if l["ip"]:
        ents.append({"$id": "3", "Type": "ip", "Address": l["ip"]})
    return json.dumps({"SystemAlertId": str(uuid.UUID(int=i)), "AlertType": l["AlertType"],
                       "StartTimeUtc": l["start"], "EndTimeUtc": l["end"], "TimeGenerated": l["end"],
                       "ProductName": "vaultwatch", "AzureResourceId": vault if vault is not None else l["vault"],
                       "Entities": ents})
with open(sys.argv[2], "w") as f:
    for i, l in enumerate(x for x in labels if x["role"] == "primary"):
        f.write(alert(l, i + 1) + "\n")
with open(sys.argv[3], "w") as f:
    l = next(x for x in labels if x["AlertType"] == "KV_TORAccess")
    f.write(alert(l, 999, caller="00000000-0000-4000-8000-00000000dead") + "\n")
PY
"$vw" score --alerts "$work/perfect.jsonl" --labels "$work/a.labels" --min-recall 1 --max-fp-per-million 0 \
  >"$work/score.out" || fail "perfect alerts should pass: $(cat "$work/score.out")"
grep -q "20/20 labelled scenarios detected" "$work/score.out" || fail "$(cat "$work/score.out")"
: >"$work/none.jsonl"
if "$vw" score --alerts "$work/none.jsonl" --labels "$work/a.labels" --min-recall 1 >"$work/none.out"; then
  fail "no alerts must fail --min-recall 1"
fi
if "$vw" score --alerts "$work/fp.jsonl" --labels "$work/a.labels" --max-fp-per-million 0 >"$work/fp.out"; then
  fail "an alert on the wrong caller is a false positive: $(cat "$work/fp.out")"
fi
grep -q "1 false positives" "$work/fp.out" || fail "$(cat "$work/fp.out")"
cat "$work/perfect.jsonl" "$work/perfect.jsonl" >"$work/dup.jsonl"
if "$vw" score --alerts "$work/dup.jsonl" --labels "$work/a.labels" >"$work/dup.out"; then
  fail "duplicates must fail: $(cat "$work/dup.out")"
fi
grep -q "duplicate SystemAlertIds: 20" "$work/dup.out" || fail "$(cat "$work/dup.out")"
echo "generate_e2e: OK"
