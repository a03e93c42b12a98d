#!/usr/bin/env bash
# End-to-end test of `vaultwatch replay` and `vaultwatch timeline` on files, with the
# timeline's html page rendered in headless Chromium (Debian's chromium) and checked for what it
# shows after its script ran: the alert marker, the alert, the attack's rows. Owner: forensics.
# Usage: forensics_html_test.sh <vaultwatch binary>   (cwd: the source tree; needs python3, chromium)
set -euo pipefail
bin=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/vw-e2e-forensics-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; echo "(work dir kept: $work)" >&2; trap - EXIT; exit 1; }

command -v chromium >/dev/null || fail "chromium is not installed (scripts/setup installs it)"

"$bin" generate --seed 11 --days 3 --history-days 2 --events-per-day 4000 \
  --output "$work/raw.ndjson" --labels "$work/labels.jsonl" --quiet
"$bin" detect --input "$work/raw.ndjson" --output "$work/detect.jsonl" --no-progress 2>"$work/detect.log"
[ -s "$work/detect.jsonl" ] || fail "detect raised no alert: the test would prove nothing"

# 1. A full-range replay of the file is byte-identical to detect.
"$bin" replay --input "$work/raw.ndjson" --output "$work/replay.jsonl" \
  --from 2026-01-01 --to 2026-02-01 --warmup 0s --no-progress 2>"$work/replay.log"
cmp -s "$work/detect.jsonl" "$work/replay.jsonl" || fail "replay of the full range differs from detect"

# 2. The labelled attacker with a detected alert, and the alert's id.
python3 - "$work" <<'PY' > "$work/pick"
import json, sys
w = sys.argv[1]
alerts = [json.loads(l) for l in open(w + "/detect.jsonl")]
for l in open(w + "/labels.jsonl"):
    lab = json.loads(l)
    if not lab["caller"] or lab.get("role") == "incidental":
        continue
    for a in alerts:
        accts = [e for e in a["Entities"] if e["Type"] == "account"]
        if a["AlertType"] == lab["AlertType"] and any(lab["caller"] in (e.get("AadUserId"), e.get("AppId")) for e in accts):
            print(lab["caller"], lab["start"], lab["end"], a["SystemAlertId"])
            sys.exit(0)
sys.exit(1)
PY
read -r caller start end alert_id < "$work/pick" || fail "no labelled attacker was detected"
from=$(python3 -c "import datetime as d,sys; t=d.datetime.fromisoformat(sys.argv[1].rstrip('Z')); print((t-d.timedelta(hours=6)).strftime('%Y-%m-%dT%H:%M:%SZ'))" "$start")
to=$(python3 -c "import datetime as d,sys; t=d.datetime.fromisoformat(sys.argv[1].rstrip('Z')); print((t+d.timedelta(hours=6)).strftime('%Y-%m-%dT%H:%M:%SZ'))" "$end")

for fmt in table json csv html; do
  "$bin" timeline --caller "$caller" --from "$from" --to "$to" --input "$work/raw.ndjson" \
    --alerts "$work/detect.jsonl" --format "$fmt" --output "$work/timeline.$fmt" 2>>"$work/timeline.log"
done
grep -q ">>> ALERT \[1\]" "$work/timeline.table" || fail "table: no alert row"
grep -q "$alert_id" "$work/timeline.table" || fail "table: alert $alert_id missing"
grep -q "^alert,.*$alert_id" "$work/timeline.csv" || fail "csv: alert row missing"

# The attack's events (inside the label's window) and the ones marked as the alert's evidence.
python3 - "$work/timeline.json" "$start" "$end" > "$work/attack_ids" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
for e in t["events"]:
    if sys.argv[2][:19] <= e["time"][:19] <= sys.argv[3][:19] and e["correlation_id"]:
        print(e["correlation_id"], "flagged" if e["alerts"] else "plain")
PY
[ -s "$work/attack_ids" ] || fail "json: no event inside the labelled attack window"
grep -q " flagged$" "$work/attack_ids" || fail "json: no attack event marked as alert evidence"

# 3. Render the page in headless Chromium and check the DOM after the script ran.
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
        --disable-background-networking --disable-component-update --disable-sync)
timeout 120 "${chrome[@]}" --user-data-dir="$(mktemp -d "$work/chrome-XXXXXX")" \
  --dump-dom "file://$work/timeline.html" > "$work/dom.html" 2>"$work/chrome.log" \
  || fail "chromium --dump-dom failed (see $work/chrome.log)"
python3 - "$work/dom.html" "$alert_id" "$work/attack_ids" <<'PY' || fail "rendered page check failed"
import re, sys
dom = open(sys.argv[1]).read()
alert_id = sys.argv[2]
problems = []
if 'data-rendered="yes"' not in dom:
    problems.append("the page script did not finish (no data-rendered=yes)")
if not re.search(r'<g class="alert-marker" data-alert-id="%s"' % re.escape(alert_id), dom):
    problems.append("no alert marker for %s in the chart" % alert_id)
if not re.search(r'class="alert-card"[^>]*data-alert-id="%s"' % re.escape(alert_id), dom):
    problems.append("no alert card for %s" % alert_id)
if 'class="alert-row"' not in dom:
    problems.append("no alert row in the event table")
if len(re.findall(r'<rect [^>]*class="bar"', dom)) == 0:
    problems.append("the chart has no bars")
for line in open(sys.argv[3]):
    cid, kind = line.split()
    m = re.search(r'<tr class="(event[^"]*)"[^>]*data-correlation-id="%s"' % re.escape(cid), dom)
    if not m:
        problems.append("attack event %s is not a table row" % cid)
    elif kind == "flagged" and "flagged" not in m.group(1):
        problems.append("attack event %s is not highlighted as evidence" % cid)
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("rendered page: marker, alert card, alert row and %d attack rows present" % sum(1 for _ in open(sys.argv[3])))
PY
timeout 120 "${chrome[@]}" --user-data-dir="$(mktemp -d "$work/chrome-XXXXXX")" \
  --window-size=1400,1800 --screenshot="$work/timeline.png" "file://$work/timeline.html" \
  >>"$work/chrome.log" 2>&1 || fail "chromium --screenshot failed"
[ "$(stat -c %s "$work/timeline.png")" -gt 20000 ] || fail "the screenshot is (nearly) empty"
if [ -n "${VW_E2E_KEEP:-}" ]; then cp "$work/timeline.png" "$work/timeline.html" "$VW_E2E_KEEP/"; fi
echo "forensics e2e: OK"
