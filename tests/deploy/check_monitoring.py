#!/usr/bin/env python3
"""Checks deploy/monitoring (Grafana dashboard, Prometheus rules) against the metrics vaultwatch
exports.

  check_monitoring.py static DIR METRICS_CC   every metric named exists in runtime/metrics.cc
  check_monitoring.py scrape DIR SCRAPE       ... and in a real /metrics scrape (a file)
  check_monitoring.py query DIR PROM_URL      every dashboard and rule expression evaluates on a
                                              Prometheus that scrapes a running pipeline, and the
                                              panels that must show data do

The dashboard's variables are substituted as Grafana would ($instance -> .*,
$__rate_interval -> 1m).
"""
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

import yaml

METRIC = re.compile(r"\b(vaultwatch_[a-z_]+)")


def fail(msg):
    sys.exit("check_monitoring: " + msg)


def dashboard_exprs(d):
    dash = json.load(open(os.path.join(d, "grafana-dashboard.json")))
    out = []
    for p in dash["panels"]:
        for t in p.get("targets", []):
            out.append((p["title"], t["expr"]))
    if not out:
        fail("the dashboard has no queries")
    titles = {p["title"] for p in dash["panels"]}
    for want in ("Records and events per second", "Consumer lag (records behind)",
                 "Commit latency", "Commits and aborts per second",
                 "Alerts published by type (per hour)", "State size (live SST bytes)",
                 "Healthy (/healthz)"):
        if want not in titles:
            fail(f"the dashboard lacks the panel '{want}'")
    return out


def rule_exprs(d):
    rules = yaml.safe_load(open(os.path.join(d, "prometheus-rules.yaml")))
    return [(r["alert"], r["expr"]) for g in rules["groups"] for r in g["rules"]]


def grafana_substitute(expr):
    return expr.replace("$instance", ".*").replace("$__rate_interval", "1m")


def names_in(exprs):
    names = set()
    for _, e in exprs:
        names.update(METRIC.findall(e))
    return names


def exported_from_source(metrics_cc):
    text = open(metrics_cc).read()
    names = set(re.findall(r'"(vaultwatch_[a-z_]+)', text))
    names.update(re.findall(r"(vaultwatch_[a-z_]+)[ {]", text))
    return with_histogram_series(names, text)


def with_histogram_series(names, text):
    out = set(names)
    for m in re.finditer(r"# TYPE (vaultwatch_[a-z_]+) histogram", text):
        for suffix in ("_bucket", "_sum", "_count"):
            out.add(m.group(1) + suffix)
    return out


def exported_from_scrape(scrape):
    text = open(scrape).read()
    names = set(re.findall(r"^(vaultwatch_[a-z_]+)[ {]", text, re.M))
    typed = set(re.findall(r"^# TYPE (vaultwatch_[a-z_]+) ", text, re.M))
    return with_histogram_series(names | typed, text)


def check_names(d, exported, where):
    exprs = dashboard_exprs(d) + rule_exprs(d)
    missing = sorted(names_in(exprs) - exported)
    if missing:
        fail(f"metrics used by the dashboard or rules but not in {where}: {missing}")
    print(f"{len(names_in(exprs))} metric names used by {len(exprs)} expressions, all in {where}")


def query(url, expr):
    q = urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(f"{url}/api/v1/query?{q}", timeout=10) as r:
        body = json.load(r)
    if body.get("status") != "success":
        fail(f"query failed: {expr}: {body}")
    return body["data"]["result"]


# Panels that a pipeline which has processed input and published alerts must show.
MUST_HAVE_DATA = {"Healthy (/healthz)", "Ready (/readyz)", "Records and events per second",
                  "Consumer lag (records behind)", "Commit latency", "Commits and aborts per second",
                  "Alerts published by type (per hour)", "State size (live SST bytes)",
                  "State keys (estimate)", "Assigned partitions"}


def wait_for_scrapes(url, timeout=90):
    """Until Prometheus has scraped the target (up == 1) and then 5 s more: rate() over 1m needs
    two samples (scrape_interval 1s in the test's prometheus.yml)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if query(url, "up == 1"):
                time.sleep(5)
                return
        except (OSError, SystemExit):
            pass
        time.sleep(0.5)
    fail(f"Prometheus at {url} did not scrape the pipeline within {timeout} s")


def check_queries(d, url):
    wait_for_scrapes(url)
    empty = []
    for title, expr in dashboard_exprs(d):
        result = query(url, grafana_substitute(expr))
        if not result and title in MUST_HAVE_DATA:
            empty.append((title, expr))
    if empty:
        fail(f"panels without data on a running pipeline: {empty}")
    for alert, expr in rule_exprs(d):
        query(url, expr)
    with urllib.request.urlopen(f"{url}/api/v1/rules", timeout=10) as r:
        rules = json.load(r)["data"]["groups"]
    bad = [(x["name"], x.get("lastError")) for g in rules for x in g["rules"] if x.get("health") != "ok"]
    if not rules or bad:
        fail(f"rules not loaded or unhealthy in Prometheus: {bad or 'no groups'}")
    firing = [x["name"] for g in rules for x in g["rules"] if x.get("state") == "firing"]
    if firing:
        fail(f"alerts firing on a healthy pipeline: {firing}")
    n = len(dashboard_exprs(d))
    print(f"{n} dashboard queries and {len(rule_exprs(d))} rules evaluate on Prometheus; "
          f"no alert fires on a healthy pipeline")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "static":
        check_names(sys.argv[2], exported_from_source(sys.argv[3]), sys.argv[3])
        dashboard_exprs(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "scrape":
        check_names(sys.argv[2], exported_from_scrape(sys.argv[3]), "the scrape")
    elif len(sys.argv) == 4 and sys.argv[1] == "query":
        check_queries(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
