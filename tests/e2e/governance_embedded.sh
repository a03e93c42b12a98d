#!/usr/bin/env bash
# `vaultwatch detect --pseudonymise none|state|alerts` and `--feedback` end to end, with
# the real binary over a generated tenant with labelled attacks (each scenario 3 times, so alerts
# repeat for the same entity in later windows). Checked against governance_embedded.py, an
# independent Python reference of the pseudonym scheme:
#  1. a missing, short or misplaced key: exit code 2, a clear message, no key material in it;
#  2. --pseudonymise state: the same alerts per type as the clear run, the same score on the
#     labelled attacks (labels pseudonymised by the reference: same scenarios detected, same FPs), each entity the pseudonym of a clear
#     identity (hashed once), no clear UPN / object id / IP in the alerts nor in any file of the
#     state directory; same key -> same bytes, another key -> other pseudonyms; the state
#     directory's privacy marker refuses a clear run or another key over it (exit code 2);
#  3. --pseudonymise alerts: the clear run's alerts after the reference alert pass, no clear
#     identity, the same score;
#  4. --feedback: a benign verdict (time = the alert's TimeGenerated) removes exactly the later
#     alerts of that type and entity, the judged alert stays, every other alert is byte-identical
#     and `feedback apply` over the clear alerts agrees; the summary counts match; an expired or
#     true-positive verdict suppresses nothing; with --pseudonymise state as well;
#  5. `vaultwatch report --detect-summary` shows the suppressed alerts.
# (State values are also checked decoded, key by key, in governance_test EmbeddedTest.*.)
# The raw scans look for each clear identity's text and for the digest state keys would hold it
# under (KEY_DIGEST_TOOL prints them), which anyone holding a list of identities could confirm.
# Usage: governance_embedded.sh VAULTWATCH SOURCE_DIR WORK_DIR KEY_DIGEST_TOOL
set -euo pipefail
vw=$1 src=$2 work=$3 key_digest=$4
rm -rf "$work"; mkdir -p "$work"; cd "$src"
py=$src/tests/e2e/governance_embedded.py
in=$work/in.ndjson
fail() { echo "FAIL: $*"; exit 1; }
"$vw" generate --seed 11 --events-per-day 4000 --repeat 3 --output "$in" \
  --labels "$work/labels.jsonl" 2>/dev/null
"$vw" normalize --input "$in" --output "$work/events.jsonl" 2>/dev/null
python3 "$py" ids "$work/events.jsonl" "$work/ids.json"
python3 "$py" keyed-ids "$work/ids.json" | "$key_digest" > "$work/digests.hex"
python3 "$py" add-digests "$work/ids.json" "$work/digests.hex"
rm -f "$work/events.jsonl"
det() { "$vw" detect --config configs/detect.yaml --no-progress --input "$in" "$@"; }
unset VW_PSEUDONYM_KEY

det --output "$work/clear.jsonl" --state "$work/S.clear" 2>/dev/null
python3 "$py" leaks "$work/ids.json" --expect-some "$work/clear.jsonl"
python3 "$py" leaks "$work/ids.json" --expect-some "$work/S.clear"  # the raw scan sees digests
"$vw" score --alerts "$work/clear.jsonl" --labels "$work/labels.jsonl" > "$work/clear.score.txt"
grep "^total:" "$work/clear.score.txt"

# --- 1. the key: missing, short, misplaced ---
key=$work/pseudo.key other=$work/other.key
head -c 32 /dev/urandom | base64 > "$key"; head -c 32 /dev/urandom | base64 > "$other"
chmod 600 "$key" "$other"
expect_2() {  # expect_2 SECRET_OR_- ARGS...: exit code 2, stderr without SECRET
  local secret=$1; shift
  set +e; det --output "$work/none.jsonl" "$@" 2> "$work/err.txt"; local rc=$?; set -e
  [ "$rc" = 2 ] || fail "exit code $rc, not 2, for: $* ($(cat "$work/err.txt"))"
  [ -s "$work/err.txt" ] || fail "no message for: $*"
  if [ "$secret" != - ] && grep -qF -- "$secret" "$work/err.txt"; then fail "key in message: $*"; fi
  echo "refused: $(head -1 "$work/err.txt")"
}
expect_2 - --pseudonymise state
grep -q VW_PSEUDONYM_KEY "$work/err.txt" || fail "the message does not name the variable"
short=short-secret-xy
VW_PSEUDONYM_KEY=$short expect_2 "$short" --pseudonymise state
printf '%s\n' "$short" > "$work/short.key"
expect_2 "$short" --pseudonymise alerts --pseudonym-key-file "$work/short.key"
expect_2 "$(cat "$key")" --pseudonymise state --pseudonym-key-env "$(cat "$key")"
expect_2 - --pseudonym-key-file "$key"
expect_2 - --pseudonymise state --pseudonym-key-file "$key" --pseudonym-key-env X
expect_2 - --pseudonymise both --pseudonym-key-file "$key"
expect_2 - --pseudonymise state --pseudonym-key-file "$work/missing.key"
expect_2 - --feedback "$work/missing-feedback.jsonl"

# --- 2. pseudonymised state ---
det --output "$work/state.jsonl" --pseudonymise state --pseudonym-key-file "$key" \
  --state "$work/S.pseudo" 2> "$work/state.log"
grep -q "pseudonymised state and alerts" "$work/state.log" || fail "summary does not say so"
if grep -qF -- "$(cat "$key")" "$work/state.log"; then fail "the key is in the log"; fi
python3 "$py" counts "$work/clear.jsonl" "$work/state.jsonl"
python3 "$py" leaks "$work/ids.json" "$work/state.jsonl" "$work/S.pseudo"
python3 "$py" single-hash "$key" "$work/ids.json" "$work/state.jsonl"
python3 "$py" pseudo-labels "$key" "$work/ids.json" "$work/labels.jsonl" "$work/labels.pseudo.jsonl"
cp "$work/labels.jsonl.summary.json" "$work/labels.pseudo.jsonl.summary.json"  # benign counts
"$vw" score --alerts "$work/state.jsonl" --labels "$work/labels.pseudo.jsonl" \
  > "$work/state.score.txt"
diff "$work/clear.score.txt" "$work/state.score.txt"  # the same scenarios detected, same FPs
# The state directory remembers what it holds: a clear run or another key over it is refused.
grep -Eq '^pseudonyms [0-9a-f]{16}$' "$work/S.pseudo/VAULTWATCH-PRIVACY" || fail "privacy marker"
expect_2 - --state "$work/S.pseudo"
grep -q "holds pseudonyms" "$work/err.txt" || fail "marker message"
expect_2 "$(cat "$other")" --pseudonymise state --pseudonym-key-file "$other" --state "$work/S.pseudo"
expect_2 - --pseudonymise state --pseudonym-key-file "$key" --state "$work/S.clear"
det --output "$work/state2.jsonl" --pseudonymise state --pseudonym-key-file "$key" 2>/dev/null
cmp "$work/state.jsonl" "$work/state2.jsonl"
VW_PSEUDONYM_KEY=$(cat "$other") det --output "$work/state3.jsonl" --pseudonymise state \
  2>/dev/null
python3 "$py" counts "$work/state.jsonl" "$work/state3.jsonl"
python3 "$py" disjoint "$work/state.jsonl" "$work/state3.jsonl" "$work/ids.json"

# --- 3. pseudonymised alerts, state in clear ---
MY_KEY=$(cat "$key") det --output "$work/alerts.jsonl" --pseudonymise alerts \
  --pseudonym-key-env MY_KEY 2>/dev/null
python3 "$py" alert-pass "$key" "$work/clear.jsonl" "$work/alerts.jsonl"
python3 "$py" counts "$work/clear.jsonl" "$work/alerts.jsonl"
python3 "$py" leaks "$work/ids.json" "$work/alerts.jsonl"
"$vw" score --alerts "$work/alerts.jsonl" --labels "$work/labels.pseudo.jsonl" \
  > "$work/alerts.score.txt"
diff "$work/clear.score.txt" "$work/alerts.score.txt"

# --- 4. feedback ---
n=$(python3 "$py" pick "$work/clear.jsonl" "$work/fb.jsonl" "$work/fb.expected.jsonl")
test "$n" -ge 1
det --output "$work/fb.out.jsonl" --feedback "$work/fb.jsonl" --summary-json "$work/fb.summary.json" \
  2> "$work/fb.log"
cmp "$work/fb.out.jsonl" "$work/fb.expected.jsonl"
grep -q "detect: $n alerts not written (suppressed by feedback)" "$work/fb.log" || fail "stderr"
grep -q "3 verdicts (2 benign, 1 true positive, 1 naming no alert of this run, 1 bad lines); 1 suppressions; $n alerts suppressed" \
  "$work/fb.log" || { cat "$work/fb.log"; fail "feedback summary line"; }
python3 - "$work/fb.summary.json" "$n" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[2]); f = s["governance"]["feedback"]
assert s["alerts_filtered"] == n and f["suppressed"] == n, s
assert (f["verdicts"], f["benign"], f["true_positive"], f["unmatched_verdicts"], f["bad_lines"],
        f["suppressions"]) == (3, 2, 1, 1, 1, 1), f
assert sum(f["suppressed_by_type"].values()) == n, f
EOF
"$vw" feedback apply --alerts "$work/clear.jsonl" --feedback "$work/fb.jsonl" \
  --output "$work/fb.apply.jsonl" 2>/dev/null
cmp "$work/fb.out.jsonl" "$work/fb.apply.jsonl"
det --output "$work/fb.again.jsonl" --feedback "$work/fb.jsonl" 2>/dev/null
cmp "$work/fb.out.jsonl" "$work/fb.again.jsonl"
echo "feedback: $n of $(wc -l < "$work/clear.jsonl") alerts suppressed, as expected"
for variant in expired tp; do
  python3 "$py" pick "$work/clear.jsonl" "$work/fb.$variant.jsonl" "$work/none.jsonl" "$variant" \
    > /dev/null
  det --output "$work/fb.$variant.out.jsonl" --feedback "$work/fb.$variant.jsonl" 2>/dev/null
  cmp "$work/clear.jsonl" "$work/fb.$variant.out.jsonl"
  echo "feedback: the $variant verdict alone suppresses nothing"
done
# Both duties at once: verdicts name the ids of the pseudonymised output.
m=$(python3 "$py" pick "$work/state.jsonl" "$work/fbp.jsonl" "$work/fbp.expected.jsonl")
det --output "$work/fbp.out.jsonl" --feedback "$work/fbp.jsonl" --pseudonymise state \
  --pseudonym-key-file "$key" 2>/dev/null
cmp "$work/fbp.out.jsonl" "$work/fbp.expected.jsonl"
echo "feedback over pseudonymised state: $m suppressed, as expected"

# --- 5. the report shows what detect suppressed ---
total=$(wc -l < "$work/clear.jsonl")
common=(--from 2026-01-01T00:00:00Z --to 2026-02-01T00:00:00Z --events "$in"
        --alerts "$work/fb.out.jsonl" --detect-summary "$work/fb.summary.json")
"$vw" report "${common[@]}" --output "$work/report.md" 2>/dev/null
grep -q "Alerts published: \*\*$((total - n))\*\* (after $n suppressed" "$work/report.md" \
  || fail "report md"
grep -q "Suppressed during detection .*: $n alerts by 1 suppressions" "$work/report.md" \
  || fail "report md detect-suppressed line"
"$vw" report "${common[@]}" --feedback "$work/fb.jsonl" --format html \
  --output "$work/report.html" 2>/dev/null
grep -q "id=\"stat-suppressed\"><div class=\"v\">$n<" "$work/report.html" || fail "report html"
grep -q "id=\"chart-detect-suppressed\"" "$work/report.html" || fail "report html chart"
rm -f "$in"
echo "governance embedded e2e: ok"
