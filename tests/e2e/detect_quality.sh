#!/usr/bin/env bash
# Detection quality on the generator's labelled scenarios:
#  1. a tenant with every attack scenario: every AlertType fires on its scenario (recall 1 per
#     type) and alerts matching no label stay within 5 per million benign events;
#  2. benign traffic only: at most 5 alerts per million events.
# Usage: detect_quality.sh VAULTWATCH SOURCE_DIR WORK_DIR   (run from SOURCE_DIR)
set -euo pipefail
vw=$1 src=$2 work=$3
epd=${VW_DETECT_E2E_EVENTS_PER_DAY:-30000}
mkdir -p "$work"
cd "$src"

"$vw" generate --seed 11 --events-per-day "$epd" --output "$work/attacks.ndjson" \
  --labels "$work/attacks.labels.jsonl"
"$vw" detect --input "$work/attacks.ndjson" --output "$work/attacks.alerts.jsonl" \
  --config configs/detect.yaml --no-progress
"$vw" score --alerts "$work/attacks.alerts.jsonl" --labels "$work/attacks.labels.jsonl" \
  --min-recall 1 --max-fp-per-million 5 | tee "$work/attacks.score.txt"

"$vw" generate --seed 12 --events-per-day "$epd" --scenarios none \
  --output "$work/benign.ndjson" --labels "$work/benign.labels.jsonl"
"$vw" detect --input "$work/benign.ndjson" --output "$work/benign.alerts.jsonl" \
  --config configs/detect.yaml --no-progress
"$vw" score --alerts "$work/benign.alerts.jsonl" --labels "$work/benign.labels.jsonl" \
  --max-fp-per-million 5 | tee "$work/benign.score.txt"
rm -f "$work"/*.ndjson
echo "detect_quality: PASS"
