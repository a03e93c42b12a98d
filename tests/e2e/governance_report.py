#!/usr/bin/env python3
"""Helpers for governance_report.sh (no third-party modules).

  pick ALERTS FEEDBACK EXPECTED   write verdicts (a benign one with scope=vault on the first alert
                                  that has a later alert of the same type on the same vault, a true
                                  positive on another alert) and the expected kept alerts, computed
                                  here independently of vaultwatch
  dom DOM.html EVENTS ALERTS_KEPT check what the rendered page shows
"""
import json
import re
import sys


def pick(alerts_path, feedback_path, expected_path):
    lines = [l for l in open(alerts_path) if l.strip()]
    al = [json.loads(l) for l in lines]
    target = None
    for i, a in enumerate(al):
        for b in al[i + 1:]:
            if (b["AlertType"] == a["AlertType"] and b["AzureResourceId"] == a["AzureResourceId"]
                    and b["TimeGenerated"] > a["TimeGenerated"]):
                target = i
                break
        if target is not None:
            break
    if target is None:
        sys.exit("no alert with a later one of the same type on the same vault: test proves nothing")
    a = al[target]
    tp = next(i for i in range(len(al)) if i != target)
    with open(feedback_path, "w") as f:
        f.write(json.dumps({"SystemAlertId": al[tp]["SystemAlertId"], "verdict": "true_positive",
                            "time": al[tp]["TimeGenerated"], "analyst": "e2e"}) + "\n")
        f.write("this line is not a verdict\n")
        f.write(json.dumps({"SystemAlertId": a["SystemAlertId"], "verdict": "benign",
                            "time": a["TimeGenerated"], "scope": "vault"}) + "\n")
        f.write(json.dumps({"SystemAlertId": "00000000-0000-0000-0000-000000000000",
                            "verdict": "benign", "time": a["TimeGenerated"]}) + "\n")
    n = 0
    with open(expected_path, "w") as f:
        for line, b in zip(lines, al):
            if (b["AlertType"] == a["AlertType"] and b["AzureResourceId"] == a["AzureResourceId"]
                    and b["TimeGenerated"] >= a["TimeGenerated"]
                    and b["SystemAlertId"] != a["SystemAlertId"]):
                n += 1
                continue
            f.write(line)
    print(n)


def dom(dom_path, events, kept_path):
    html = open(dom_path).read()
    kept = [json.loads(l) for l in open(kept_path) if l.strip()]
    def stat(sid):
        m = re.search(r'id="%s"><div class="v">([^<]*)<' % sid, html)
        if not m:
            sys.exit("page lacks #" + sid)
        return m.group(1)
    checks = [
        (stat("stat-events").replace(",", ""), str(events)),
        (stat("stat-alerts").replace(",", ""), str(len(kept))),
        (stat("stat-precision"), "50.0 %"),
    ]
    for got, want in checks:
        if got != want:
            sys.exit("page shows %r, expected %r" % (got, want))
    m = re.search(r'<svg id="chart-alerts-by-type".*?</svg>', html, re.S)
    if not m:
        sys.exit("no alerts-by-type chart")
    bars = dict(re.findall(r'data-label="([^"]*)" data-value="(\d+)"', m.group(0)))
    want = {}
    for a in kept:
        want[a["AlertType"]] = want.get(a["AlertType"], 0) + 1
    if {k: int(v) for k, v in bars.items()} != want:
        sys.exit("alerts-by-type bars %r != %r" % (bars, want))
    m = re.search(r'<svg id="chart-events-per-day".*?</svg>', html, re.S)
    days = [int(v) for v in re.findall(r'data-value="(\d+)"', m.group(0))] if m else []
    if sum(days) != events:
        sys.exit("events-per-day bars sum to %d, expected %d" % (sum(days), events))
    print("page ok: %d events, %d alerts, %d types, %d days" % (events, len(kept), len(want), len(days)))


if __name__ == "__main__":
    if sys.argv[1] == "pick":
        pick(*sys.argv[2:5])
    elif sys.argv[1] == "dom":
        dom(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit("usage: see the docstring")
