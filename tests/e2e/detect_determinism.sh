#!/usr/bin/env bash
# Determinism of `vaultwatch detect`:
#  1. two runs over the same input give byte-identical output;
#  2. shuffling records within the allowed lateness changes nothing (byte-identical output).
# The generator already delivers 3% of records up to 10 minutes late; the shuffle moves records by
# at most 4 more minutes of event time, so both runs of (2) use an allowed lateness of 20 minutes.
# Usage: detect_determinism.sh VAULTWATCH SOURCE_DIR WORK_DIR   (run from SOURCE_DIR)
set -euo pipefail
vw=$1 src=$2 work=$3
mkdir -p "$work"
cd "$src"
in=$work/in.ndjson
"$vw" generate --seed 21 --events-per-day 20000 --output "$in" --labels "$work/labels.jsonl"

"$vw" detect --input "$in" --output "$work/a1.jsonl" --config configs/detect.yaml --no-progress
"$vw" detect --input "$in" --output "$work/a2.jsonl" --config configs/detect.yaml --no-progress
test -s "$work/a1.jsonl" || { echo "no alerts at all: the test would prove nothing"; exit 1; }
cmp "$work/a1.jsonl" "$work/a2.jsonl"
echo "determinism: two runs identical ($(wc -l < "$work/a1.jsonl") alerts)"

cat > "$work/late.yaml" <<'YAML'
engine:
  allowed_lateness: 20m
threat_intel:
  tor_file: configs/threat-intel/tor-exit-nodes.txt
  suspicious_file: configs/threat-intel/suspicious-ips.txt
  microsoft_file: configs/threat-intel/microsoft-ranges.txt
YAML
python3 "$src/tests/e2e/detect_shuffle.py" --max-shift-seconds 240 --seed 5 < "$in" > "$work/shuffled.ndjson"
if cmp -s "$in" "$work/shuffled.ndjson"; then echo "shuffle changed nothing"; exit 1; fi
"$vw" detect --input "$in" --output "$work/b1.jsonl" --config "$work/late.yaml" --no-progress \
  --summary-json "$work/b1.summary.json"
"$vw" detect --input "$work/shuffled.ndjson" --output "$work/b2.jsonl" --config "$work/late.yaml" \
  --no-progress --summary-json "$work/b2.summary.json"
grep -q '"late":0,' "$work/b2.summary.json" || { echo "shuffle exceeded the lateness bound"; cat "$work/b2.summary.json"; exit 1; }
cmp "$work/b1.jsonl" "$work/b2.jsonl"
echo "determinism: shuffled input gives identical alerts ($(wc -l < "$work/b1.jsonl") alerts)"
rm -f "$in" "$work/shuffled.ndjson"
