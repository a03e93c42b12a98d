#!/usr/bin/env bash
# `vaultwatch feedback apply` and `vaultwatch report` end to end (real binary, real files):
#  1. generate a tenant with attacks (+ 2 malformed lines), detect;
#  2. verdicts: a benign one (scope vault) on an alert that has later ones of the same type on the
#     same vault, a true positive, a bad line, one naming no alert; `feedback apply` must drop
#     exactly the alerts computed independently in python; twice -> identical bytes;
#  3. report --format md: counts and precision; --format html rendered in headless Chromium: the
#     DOM shows the events, alerts, precision, one bar per alert type, events-per-day summing up;
#     a screenshot is taken (PNG, non-trivial size).
# Usage: governance_report.sh VAULTWATCH SOURCE_DIR WORK_DIR
set -euo pipefail
vw=$1 src=$2 work=$3
rm -rf "$work"; mkdir -p "$work"; cd "$src"
py=$src/tests/e2e/governance_report.py
in=$work/in.ndjson
"$vw" generate --seed 3 --events-per-day 5000 --output "$in" --labels "$work/labels.jsonl" 2>/dev/null
printf '{"not":"a record"}\nnot json\n' >> "$in"
events=$(($(wc -l < "$in") - 2))
"$vw" detect --input "$in" --output "$work/alerts.jsonl" --config configs/detect.yaml --no-progress 2>/dev/null
n_alerts=$(wc -l < "$work/alerts.jsonl")

suppressed=$(python3 "$py" pick "$work/alerts.jsonl" "$work/feedback.jsonl" "$work/expected.jsonl")
test "$suppressed" -ge 1
"$vw" feedback apply --alerts "$work/alerts.jsonl" --feedback "$work/feedback.jsonl" \
  --output "$work/kept.jsonl" 2> "$work/feedback.log"
cat "$work/feedback.log"
cmp "$work/kept.jsonl" "$work/expected.jsonl"
grep -q "$suppressed suppressed;" "$work/feedback.log"
grep -q "1 naming no alert in the file, 1 bad lines" "$work/feedback.log"
"$vw" feedback apply --alerts "$work/alerts.jsonl" --feedback "$work/feedback.jsonl" \
  --output "$work/kept2.jsonl" 2>/dev/null
cmp "$work/kept.jsonl" "$work/kept2.jsonl"
echo "feedback: $suppressed of $n_alerts alerts suppressed, as expected"

common=(--from 2026-01-01T00:00:00Z --to 2026-02-01T00:00:00Z --events "$in"
        --alerts "$work/alerts.jsonl" --feedback "$work/feedback.jsonl")
"$vw" report "${common[@]}" --output "$work/report.md"
grep -q "| events in the period | $(python3 -c "print(f'{$events:,}')") |" "$work/report.md"
grep -q "| dead letters | 2 |" "$work/report.md"
grep -q "Alerts published: \*\*$((n_alerts - suppressed))\*\* (after $suppressed suppressed" "$work/report.md"
grep -q "Precision: 50.0 % (1 true positive, 1 benign)" "$work/report.md"
grep -q "line N: 'time' missing | 1 |" "$work/report.md"

"$vw" report "${common[@]}" --format html --output "$work/report.html"
if grep -Eq '<script|src="http|href="http' "$work/report.html"; then
  echo "the page is not self-contained"; exit 1
fi
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
        --disable-background-networking --disable-component-update --disable-sync)
timeout 120 "${chrome[@]}" --user-data-dir="$(mktemp -d)" --dump-dom "file://$work/report.html" \
  > "$work/dom.html" 2>/dev/null
python3 "$py" dom "$work/dom.html" "$events" "$work/kept.jsonl"
timeout 120 "${chrome[@]}" --user-data-dir="$(mktemp -d)" --window-size=1100,2200 \
  --screenshot="$work/report.png" "file://$work/report.html" >/dev/null 2>&1
test "$(stat -c %s "$work/report.png")" -gt 50000
rm -f "$in"
echo "report e2e: ok"
