#!/usr/bin/env bash
# `vaultwatch detect --alert-format defender|ocsf|ecs` end to end (real binary, real files):
#  1. one generated tenant, detected in the three formats: the same alerts (ids, types, order),
#     each line carrying its schema's required fields (alert_formats_check.py);
#  2. analyst feedback suppresses the same alerts whatever the format (the filter reads each
#     format back), and `vaultwatch report` over the three alert files prints the same report.
# Usage: alert_formats.sh VAULTWATCH SOURCE_DIR WORK_DIR
set -euo pipefail
vw=$1 src=$2 work=$3
rm -rf "$work"; mkdir -p "$work"; cd "$src"
check=$src/tests/e2e/alert_formats_check.py
in=$work/in.ndjson
"$vw" generate --seed 7 --events-per-day 5000 --output "$in" --labels "$work/labels.jsonl" 2>/dev/null
for f in defender ocsf ecs; do
  "$vw" detect --input "$in" --output "$work/$f.jsonl" --config configs/detect.yaml --no-progress \
    --alert-format "$f" 2>/dev/null
done
if "$vw" detect --input "$in" --output "$work/x.jsonl" --alert-format cef 2>"$work/bad.log"; then
  echo "an unknown --alert-format was accepted"; exit 1
fi
grep -q "defender, ocsf, ecs" "$work/bad.log"
python3 "$check" formats "$work/defender.jsonl" "$work/ocsf.jsonl" "$work/ecs.jsonl"

# A benign verdict (scope vault) on the first alert that has a later one of its type and vault.
python3 "$src/tests/e2e/governance_report.py" pick "$work/defender.jsonl" "$work/feedback.jsonl" \
  "$work/expected.jsonl" > "$work/suppressed.txt"
for f in defender ocsf ecs; do
  "$vw" detect --input "$in" --output "$work/$f.kept.jsonl" --config configs/detect.yaml \
    --no-progress --alert-format "$f" --feedback "$work/feedback.jsonl" 2>/dev/null
  "$vw" report --from 2026-01-01T00:00:00Z --to 2026-02-01T00:00:00Z --events "$in" \
    --alerts "$work/$f.kept.jsonl" --feedback "$work/feedback.jsonl" --output "$work/$f.report.md" \
    2>/dev/null
done
cmp "$work/defender.kept.jsonl" "$work/expected.jsonl"
python3 "$check" formats "$work/defender.kept.jsonl" "$work/ocsf.kept.jsonl" "$work/ecs.kept.jsonl"
cmp "$work/defender.report.md" "$work/ocsf.report.md"
cmp "$work/defender.report.md" "$work/ecs.report.md"
grep -q "Alerts published" "$work/ocsf.report.md"
rm -f "$in"
echo "alert formats e2e: ok ($(wc -l < "$work/defender.jsonl") alerts, $(cat "$work/suppressed.txt") suppressed by feedback in every format)"
