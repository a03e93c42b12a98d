#!/usr/bin/env bash
# `vaultwatch state backup|restore` end to end, with the real binary and real RocksDB:
#  1. detect the first part of a stream with --state S (state committed at the end);
#  2. back S up to B; go on detecting the second part over S  -> alerts X;
#  3. wipe S, restore B into S, detect the second part again  -> alerts Y;  X must equal Y byte for
#     byte (the restored state is exactly the backed-up one), and differ from a run of the second
#     part over empty state (so the state matters);
#  4. refusals: backup into an existing dir, restore over a non-empty state, restore of a non-backup.
# (`detect` flushes open windows at the end of each run, so a file split in two is not the same as
# one run; the library test governance_test BackupTest.* compares against an uninterrupted run.)
# Usage: governance_backup.sh VAULTWATCH SOURCE_DIR WORK_DIR
set -euo pipefail
vw=$1 src=$2 work=$3
rm -rf "$work"; mkdir -p "$work"; cd "$src"
in=$work/in.ndjson
"$vw" generate --seed 5 --events-per-day 5000 --output "$in" --labels "$work/labels.jsonl" 2>/dev/null
n=$(wc -l < "$in"); half=$((n / 2))
head -n "$half" "$in" > "$work/part1.ndjson"
tail -n +"$((half + 1))" "$in" > "$work/part2.ndjson"
cfg=configs/detect.yaml
det() { "$vw" detect --config "$cfg" --no-progress "$@" 2>/dev/null; }

det --input "$work/part1.ndjson" --output "$work/a1.jsonl" --state "$work/S"
"$vw" state backup "$work/B" --state "$work/S" 2> "$work/backup.log"
grep -q 'store \. at {"next_offsets"' "$work/backup.log" || { cat "$work/backup.log"; exit 1; }
test -f "$work/B/MANIFEST.json"
det --input "$work/part2.ndjson" --output "$work/X.jsonl" --state "$work/S"

rm -rf "$work/S"
"$vw" state restore "$work/B" --state "$work/S" 2> "$work/restore.log" || { cat "$work/restore.log"; exit 1; }
det --input "$work/part2.ndjson" --output "$work/Y.jsonl" --state "$work/S"
test -s "$work/X.jsonl" || { echo "no alerts in the second part: the test would prove nothing"; exit 1; }
cmp "$work/X.jsonl" "$work/Y.jsonl"
det --input "$work/part2.ndjson" --output "$work/cold.jsonl" --state "$work/cold"
if cmp -s "$work/X.jsonl" "$work/cold.jsonl"; then
  echo "state made no difference to the second part: the test would prove nothing"; exit 1
fi
echo "backup: restored state gives identical alerts ($(wc -l < "$work/X.jsonl") alerts; cold state: $(wc -l < "$work/cold.jsonl"))"

# The backup is untouched by the restored store's writes: restore it again and compare again.
"$vw" state restore "$work/B" --state "$work/S" --replace 2>/dev/null
det --input "$work/part2.ndjson" --output "$work/Z.jsonl" --state "$work/S"
cmp "$work/X.jsonl" "$work/Z.jsonl"

# Refusals (exit code 1, nothing half-written).
if "$vw" state backup "$work/B" --state "$work/S" 2>/dev/null; then echo "backup over an existing dir"; exit 1; fi
if "$vw" state restore "$work/B" --state "$work/S" 2>/dev/null; then echo "restore over non-empty state"; exit 1; fi
if "$vw" state restore "$work/S" --state "$work/T" 2>/dev/null; then echo "restored a non-backup"; exit 1; fi
test ! -e "$work/T"
if "$vw" state backup "$work/B2" --state "$work/missing" 2>/dev/null; then echo "backup of nothing"; exit 1; fi
test ! -e "$work/B2"

# A store in use by a running vaultwatch is refused (RocksDB LOCK), and no backup dir appears.
mkfifo "$work/fifo"
"$vw" detect --config "$cfg" --no-progress --input "$work/fifo" --output /dev/null --state "$work/S" 2>/dev/null &
det_pid=$!
exec 7> "$work/fifo"   # a writer, so that detect's reader stays blocked with the store open
sleep 2
if "$vw" state backup "$work/B3" --state "$work/S" 2> "$work/inuse.log"; then
  echo "backed up a store in use"; kill "$det_pid"; exit 1
fi
grep -q "still running" "$work/inuse.log" || { cat "$work/inuse.log"; kill "$det_pid"; exit 1; }
test ! -e "$work/B3"
exec 7>&-              # EOF: detect finishes normally
wait "$det_pid"
rm -f "$in" "$work"/part*.ndjson "$work/fifo"
echo "backup e2e: ok"
