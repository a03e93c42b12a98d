#!/usr/bin/env bash
# Detection quality on the generator's labelled scenarios, over tenants of three sizes and seeds
# with the benign enterprise routines (nightly backups and CI clean-up, JIT access, break-glass,
# ephemeral vaults, Friday batches, throttling, address changes: generator/enterprise.h):
#  - every AlertType fires on each of its scenario instances (recall 1 per type), including the
#    20x burst on a quiet vault (op-volume, odd instances);
#  - alerts matching no label stay within 5 per million benign events, on every tenant;
#  - benign traffic only (no attacks): at most 5 alerts per million events.
# Prints one table row per tenant (events, benign events, alerts, recall, FP/M, alerts per attack).
# Usage: detect_quality.sh VAULTWATCH SOURCE_DIR WORK_DIR   (run from SOURCE_DIR)
set -euo pipefail
vw=$1 src=$2 work=$3
mkdir -p "$work"
cd "$src"

# name seed tenant events-per-day repeat start
tenants=(
  "small-15k 11 small 15000 2 2026-01-05T00:00:00Z"
  "medium-60k 12 medium 60000 2 2026-01-08T00:00:00Z"
  "medium-150k 13 medium 150000 1 2026-01-06T00:00:00Z"
)
rows=()
status=0
for spec in "${tenants[@]}"; do
  read -r name seed tenant epd repeat start <<<"$spec"
  "$vw" generate --quiet --seed "$seed" --tenant "$tenant" --events-per-day "$epd" \
    --repeat "$repeat" --start "$start" --output "$work/$name.ndjson" \
    --labels "$work/$name.labels.jsonl"
  "$vw" detect --input "$work/$name.ndjson" --output "$work/$name.alerts.jsonl" \
    --config configs/detect.yaml --no-progress >/dev/null
  rc=0
  "$vw" score --alerts "$work/$name.alerts.jsonl" --labels "$work/$name.labels.jsonl" \
    --min-recall 1 --max-fp-per-million 5 >"$work/$name.score.txt" || rc=$?
  echo "== $name (seed $seed, $tenant, $epd events/day, repeat $repeat, start $start)"
  cat "$work/$name.score.txt"
  [ "$rc" -eq 0 ] || status=1
  summary=$work/$name.labels.jsonl.summary.json
  events=$(grep -o '"events_total":[0-9]*' "$summary" | cut -d: -f2)
  benign=$(grep -o '"events_benign":[0-9]*' "$summary" | cut -d: -f2)
  alerts=$(wc -l <"$work/$name.alerts.jsonl")
  recall=$(grep -o '(recall [0-9.]*)' "$work/$name.score.txt" | tr -d '()' | cut -d' ' -f2)
  fpm=$(grep -o 'benign events: [0-9.]*' "$work/$name.score.txt" | cut -d' ' -f3)
  apa=$(grep -o '[0-9.]* alerts per attack' "$work/$name.score.txt" | cut -d' ' -f1)
  rows+=("$(printf '%-11s %10s %10s %7s %7s %8s %9s' "$name" "$events" "$benign" "$alerts" \
    "$recall" "$fpm" "$apa")")
done

# Benign traffic only, routines included.
"$vw" generate --quiet --seed 14 --events-per-day 30000 --scenarios none \
  --output "$work/benign.ndjson" --labels "$work/benign.labels.jsonl"
"$vw" detect --input "$work/benign.ndjson" --output "$work/benign.alerts.jsonl" \
  --config configs/detect.yaml --no-progress >/dev/null
"$vw" score --alerts "$work/benign.alerts.jsonl" --labels "$work/benign.labels.jsonl" \
  --max-fp-per-million 5 | tee "$work/benign.score.txt" || status=1

echo
printf '%-11s %10s %10s %7s %7s %8s %9s\n' tenant events benign alerts recall "FP/M" "alerts/atk"
printf '%s\n' "${rows[@]}"
rm -f "$work"/*.ndjson
[ "$status" -eq 0 ] || { echo "detect_quality: FAIL"; exit 1; }
echo "detect_quality: PASS"
