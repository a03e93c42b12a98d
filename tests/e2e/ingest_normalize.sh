#!/usr/bin/env bash
# vaultwatch normalize, end to end: every real sample is accepted with the expected outcome and
# caller fields, stdin works, malformed input is dead-lettered with reasons and positions, and the
# counters on stderr balance (in = accepted + deadlettered + skipped).
#   ingest_normalize.sh VAULTWATCH SHARED_DIR WORK_DIR
set -euo pipefail
vw=$1
shared=${VW_SHARED_DIR:-$2}
work=$3
real=$shared/data/real
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The 32 Sekoia records as NDJSON.
"$vw" normalize --input "$real/sekoia-io_intake-formats_azure-key-vault/auditevent_records.ndjson" \
  --output "$work/sekoia.jsonl" --deadletter "$work/sekoia.dead" 2>"$work/sekoia.err"
grep -q "in=32 accepted=32 deadlettered=0 skipped=0" "$work/sekoia.err" || fail "sekoia counters: $(cat "$work/sekoia.err")"
[ ! -s "$work/sekoia.dead" ] || fail "sekoia dead letters: $(head -3 "$work/sekoia.dead")"
python3 - "$work/sekoia.jsonl" <<'PY'
import json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 32, len(rows)
need = ["time", "vaultId", "operation", "outcome", "httpStatus", "objectId", "upn", "appId", "ip", "identityType"]
for r in rows:
    for k in need:
        assert k in r, (k, r)
    assert r["time"].endswith("Z") and r["time"][10] == "T", r["time"]
    assert r["vaultId"] == r["vaultId"].lower()
outcomes = collections.Counter(r["outcome"] for r in rows)
# PROVENANCE.md: 6 denied (403), 2 not found, 1 conflict + 1 bad request, the rest succeeded
# (including the hand-edited "Forbidden" with status 200: the status code wins).
assert outcomes == {"success": 22, "denied": 6, "not_found": 2, "bad_request": 2}, outcomes
assert all(r["httpStatus"] in (200, 202, 400, 403, 404, 409) for r in rows)
users = [r for r in rows if r["upn"] == "john.doe@dummy.onmicrosoft.com"]
assert len(users) >= 26 and all(r["identityType"] == "user_and_app" for r in users)
sp = [r for r in rows if r["appId"] == "app-id-xxxxxxxxxxxxx"]
assert len(sp) == 1 and sp[0]["identityType"] == "service_principal" and sp[0]["upn"] == ""
PY

# 2. The Microsoft examples: an Event Hubs envelope (pretty-printed) and a Managed HSM array, via stdin.
"$vw" normalize --input - --output "$work/ms_kv.jsonl" \
  <"$real/microsoft_azure-security-docs/keyvault_logging_example.json" 2>"$work/ms_kv.err"
grep -q "in=1 accepted=1" "$work/ms_kv.err" || fail "keyvault example: $(cat "$work/ms_kv.err")"
"$vw" normalize --input "$real/microsoft_azure-security-docs/managedhsm_logging_example.json" \
  --output "$work/ms_hsm.jsonl" 2>"$work/ms_hsm.err"
grep -q "in=1 accepted=1" "$work/ms_hsm.err" || fail "hsm example: $(cat "$work/ms_hsm.err")"
python3 - "$work/ms_kv.jsonl" "$work/ms_hsm.jsonl" <<'PY'
import json, sys
kv = json.loads(open(sys.argv[1]).read())
assert kv["operation"] == "VaultGet" and kv["outcome"] == "success" and kv["ip"] == "104.40.82.76", kv
assert kv["upn"] == "live.com#username@outlook.com" and kv["identityType"] == "user_and_app", kv
assert kv["source"]["source"] == "<stdin>", kv["source"]
hsm = json.loads(open(sys.argv[2]).read())
assert hsm["vaultKind"] == "managed_hsm" and hsm["operation"] == "BackupCreate", hsm
assert hsm["objectId"] == "<object-id>" and hsm["httpStatus"] == 202 and hsm["outcome"] == "success", hsm
PY

# 3. Malformed input: every bad line dead-lettered with a reason naming it, good lines kept.
good='{"time":"2026-01-15T03:00:01Z","resourceId":"/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv","operationName":"SecretGet","category":"AuditEvent","properties":{"httpStatusCode":403}}'
{
  echo "$good"
  echo '{"time": "2026-01-15T03:00:01Z", "resourceId": '
  echo '{"time":5,"resourceId":"/x/vaults/a","operationName":"VaultGet"}'
  echo '{"time":"2026-01-15T03:00:01Z","operationName":"VaultGet"}'
  echo '{"time":"not a time","resourceId":"/x/vaults/a","operationName":"VaultGet"}'
  echo '{"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"X","category":"AzurePolicyEvaluationDetails"}'
  printf '{"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"VaultGet","resultDescription":"%s"}\n' "$(head -c 3000 /dev/zero | tr '\0' 'a')"
  echo "$good"
} >"$work/bad.ndjson"
"$vw" normalize --input "$work/bad.ndjson" --output "$work/bad.jsonl" --deadletter "$work/bad.dead" \
  --max-record-bytes 2048 2>"$work/bad.err"
grep -q "in=8 accepted=2 deadlettered=5 skipped=1" "$work/bad.err" || fail "malformed counters: $(cat "$work/bad.err")"
python3 - "$work/bad.dead" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
reasons = [r["reason"] for r in rows]
expect = ["line 2: malformed JSON", "line 3: 'time' is a number", "line 4: 'resourceId' missing",
          "line 5: 'time' is not an RFC 3339 time", "line 7: record of"]
assert len(rows) == len(expect), reasons
for r, e in zip(rows, expect):
    assert r["reason"].startswith(e), (r["reason"], e)
    assert r["partition"] == -1 and r["offset"] > 0 and r["raw"] and r["source"].endswith("bad.ndjson"), r
PY

# 4. A file that cannot be opened is an error, not a silent success.
if "$vw" normalize --input "$work/does-not-exist" --output "$work/x.jsonl" 2>/dev/null; then
  fail "missing input file accepted"
fi
echo "ingest_normalize_e2e: OK"
