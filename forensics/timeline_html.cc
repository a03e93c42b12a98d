// The html rendering of a Timeline: one self-contained page (inline CSS, JS and SVG; no network,
// no external fonts) for someone who has never used vaultwatch. The data is embedded once, as the
// same JSON document `--format json` prints (escaped so that no value can close the <script>),
// and the script draws the chart, the alert list, the summary and the event table from it, always
// through textContent (values come from audit logs: never interpreted as HTML).
#include <string>

#include "base/time_format.h"
#include "forensics/timeline.h"

namespace vw::forensics {
namespace {

constexpr const char* kHead = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>vaultwatch timeline</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2a44; color: #fff; padding: 16px 24px; }
  header h1 { margin: 0 0 4px; font-size: 20px; }
  header p { margin: 0; opacity: .85; }
  main { padding: 16px 24px; max-width: 1400px; }
  section { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
  h2 { font-size: 16px; margin: 0 0 8px; }
  .help { color: #4a5568; margin: 0 0 8px; }
  .facts { display: flex; gap: 24px; flex-wrap: wrap; }
  .fact b { display: block; font-size: 22px; }
  .alert-card { border-left: 4px solid #c53030; background: #fff5f5; padding: 8px 12px; margin: 8px 0; cursor: pointer; }
  .alert-card .sev { font-weight: bold; color: #c53030; }
  .alert-card code { font-size: 12px; color: #555; }
  svg text { font-size: 11px; fill: #4a5568; }
  .alert-marker { cursor: pointer; }
  .legend span { display: inline-block; margin-right: 16px; }
  .sw { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
  .summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #edf0f4; white-space: nowrap; }
  th { background: #f0f2f6; position: sticky; top: 0; }
  td.num { text-align: right; }
  tr.flagged td { background: #fff0f0; }
  tr.flagged td:first-child { border-left: 4px solid #c53030; }
  tr.alert-row td { background: #c53030; color: #fff; font-weight: bold; white-space: normal; }
  tr.focus td { outline: 2px solid #2b6cb0; }
  .outcome-success { color: #276749; }
  .outcome-denied, .outcome-error { color: #c53030; font-weight: bold; }
  .controls { margin-bottom: 8px; }
  .controls input[type=text] { width: 260px; padding: 3px 6px; }
  .controls label, .controls span { margin-left: 12px; }
  .tablewrap { max-height: 70vh; overflow: auto; }
  footer { color: #718096; font-size: 12px; padding: 0 24px 24px; }
</style>
</head>
<body>
<header>
  <h1 id="title">vaultwatch timeline</h1>
  <p id="subtitle"></p>
</header>
<main>
<noscript><section>This page draws its content with JavaScript; please allow scripts for this local file.
The same data is available with <code>vaultwatch timeline --format table</code>.</section></noscript>
<section>
  <h2>What is this?</h2>
  <p class="help">Azure Key Vault records every request made to a vault (reading a secret, listing keys,
  changing who has access...). This page lists every such request made by or to the entity named above
  in the chosen period, in time order, and shows the <b>alerts</b> that vaultwatch (a threat detector for
  Key Vault) raised about it. Start with the alerts, then look at the chart to see when things happened,
  then at the table for the individual requests. Rows highlighted in red are the requests an alert is
  based on.</p>
  <div class="facts" id="facts"></div>
</section>
<section id="alerts-section">
  <h2>Alerts</h2>
  <p class="help">Each alert is a suspicion raised by vaultwatch, with the reasons in plain words. Click
  one to jump to the requests it is based on.</p>
  <div id="alerts"></div>
</section>
<section>
  <h2>Activity over time</h2>
  <p class="help">Requests per time slot. Green: succeeded; orange: failed (denied, not found, throttled,
  errors). Red lines with a triangle mark when an alert was raised; hover for details, click to jump.</p>
  <div class="legend"><span><i class="sw" style="background:#38a169"></i>succeeded</span><span><i class="sw" style="background:#dd6b20"></i>failed</span><span><i class="sw" style="background:#c53030"></i>alert</span></div>
  <div id="chart"></div>
</section>
<section>
  <h2>Summary</h2>
  <div class="summary" id="summary"></div>
</section>
<section>
  <h2>All requests, in order</h2>
  <div class="controls">
    <input type="text" id="filter" placeholder="Filter rows (any text, e.g. SecretGet or an IP)">
    <label><input type="checkbox" id="only-flagged"> only requests linked to an alert</label>
    <span id="rowcount"></span>
  </div>
  <div class="tablewrap"><table id="events"><thead><tr>
    <th>Time (UTC)</th><th>Operation</th><th>Outcome</th><th>HTTP</th><th>IP address</th><th>Vault</th>
    <th>Caller</th><th>Object</th><th>Alerts</th></tr></thead><tbody></tbody></table></div>
  <button id="more" hidden>Show all rows</button>
</section>
</main>
<footer id="footer"></footer>
<script id="vw-data" type="application/json">)HTML";

constexpr const char* kScript = R"HTML(</script>
<script>
"use strict";
(function () {
  var D = JSON.parse(document.getElementById("vw-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function sv(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function ms(t) { return Date.parse(t); }
  function short(t) { return t.replace("T", " ").replace(/\.\d+Z$/, "Z"); }

  var kinds = { vault: "Vault", caller: "Caller (identity)", ip: "IP address" };
  document.getElementById("title").textContent =
      "Timeline of " + (kinds[D.entity.kind] || D.entity.kind).toLowerCase() + " " + D.entity.id;
  document.title = "vaultwatch timeline: " + D.entity.id;
  document.getElementById("subtitle").textContent =
      "From " + short(D.from) + " to " + short(D.to) + " (UTC)";

  var facts = document.getElementById("facts");
  function fact(n, label) { var f = el("div", { "class": "fact" }); f.appendChild(el("b", null, String(n))); f.appendChild(document.createTextNode(label)); facts.appendChild(f); }
  fact(D.total_events, "requests");
  fact(D.alerts.length, D.alerts.length === 1 ? "alert" : "alerts");
  fact(Object.keys(D.summary.by_ip).length, "IP addresses");
  fact(Object.keys(D.summary.by_vault).length, "vaults");
  var failed = D.total_events - (D.summary.by_outcome.success || 0);
  fact(failed, "failed requests");

  // Alerts.
  var alertsDiv = document.getElementById("alerts");
  if (D.alerts.length === 0) alertsDiv.appendChild(el("p", null, "No alert involved this entity in this period."));
  D.alerts.forEach(function (a) {
    var c = el("div", { "class": "alert-card", id: "alert-" + a.n, "data-alert-id": a.SystemAlertId });
    var h = el("div");
    h.appendChild(el("span", { "class": "sev" }, "Alert " + a.n + " - " + a.Severity + ": "));
    h.appendChild(el("span", null, a.AlertDisplayName + " (" + a.AlertType + ")"));
    c.appendChild(h);
    c.appendChild(el("div", null, "Raised at " + short(a.TimeGenerated) + "; evidence from " + short(a.StartTimeUtc) + " to " + short(a.EndTimeUtc) + "."));
    if (a.Reasons) c.appendChild(el("div", null, "Why: " + a.Reasons));
    if (a.Description) c.appendChild(el("div", { "class": "help" }, a.Description));
    c.appendChild(el("code", null, "SystemAlertId " + a.SystemAlertId));
    c.addEventListener("click", function () { focusAlert(a.n); });
    alertsDiv.appendChild(c);
  });

  // Chart.
  var W = 1100, H = 240, L = 48, R = 12, T = 18, B = 36;
  var svg = sv("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img", id: "activity-chart" });
  svg.appendChild(sv("title", null, "Requests over time with alert markers"));
  var n = D.chart.success.length, t0 = ms(D.chart.start), step = D.chart.bucket_seconds * 1000;
  var maxv = 1;
  for (var i = 0; i < n; i++) maxv = Math.max(maxv, D.chart.success[i] + D.chart.other[i]);
  var bw = (W - L - R) / n;
  function x(tms) { return L + (tms - t0) / step * bw; }
  function y(v) { return T + (H - T - B) * (1 - v / maxv); }
  svg.appendChild(sv("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#a0aec0" }));
  svg.appendChild(sv("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#a0aec0" }));
  svg.appendChild(sv("text", { x: L - 6, y: T + 4, "text-anchor": "end" }, String(maxv)));
  svg.appendChild(sv("text", { x: L - 6, y: H - B, "text-anchor": "end" }, "0"));
  for (i = 0; i < n; i++) {
    var s = D.chart.success[i], o = D.chart.other[i];
    var when = new Date(t0 + i * step).toISOString();
    if (s > 0) { var r1 = sv("rect", { x: x(t0 + i * step) + 0.5, y: y(s), width: Math.max(bw - 1, 1), height: y(0) - y(s), fill: "#38a169", "class": "bar" }); r1.appendChild(sv("title", null, short(when) + ": " + s + " succeeded")); svg.appendChild(r1); }
    if (o > 0) { var r2 = sv("rect", { x: x(t0 + i * step) + 0.5, y: y(s + o), width: Math.max(bw - 1, 1), height: y(s) - y(s + o), fill: "#dd6b20", "class": "bar" }); r2.appendChild(sv("title", null, short(when) + ": " + o + " failed")); svg.appendChild(r2); }
  }
  var ticks = Math.min(6, n);
  for (i = 0; i <= ticks; i++) {
    var tt = t0 + Math.round(i * n / ticks) * step;
    svg.appendChild(sv("text", { x: x(tt), y: H - B + 16, "text-anchor": i === 0 ? "start" : (i === ticks ? "end" : "middle") }, new Date(tt).toISOString().slice(5, 16).replace("T", " ")));
  }
  svg.appendChild(sv("text", { x: L, y: H - 4, "text-anchor": "start" }, "time (UTC, month-day hour:minute)"));
  svg.appendChild(sv("text", { x: W - R, y: H - 4, "text-anchor": "end" }, "each bar = " + (D.chart.bucket_seconds >= 3600 ? (D.chart.bucket_seconds / 3600) + " h" : (D.chart.bucket_seconds >= 60 ? (D.chart.bucket_seconds / 60) + " min" : D.chart.bucket_seconds + " s"))));
  D.alerts.forEach(function (a) {
    var ax = Math.min(Math.max(x(ms(a.TimeGenerated)), L), W - R);
    var g = sv("g", { "class": "alert-marker", "data-alert-id": a.SystemAlertId, id: "marker-" + a.n });
    g.appendChild(sv("title", null, "Alert " + a.n + ": " + a.AlertDisplayName + " at " + short(a.TimeGenerated)));
    g.appendChild(sv("line", { x1: ax, y1: T, x2: ax, y2: H - B, stroke: "#c53030", "stroke-width": 2, "stroke-dasharray": "4 2" }));
    g.appendChild(sv("path", { d: "M" + (ax - 6) + " " + (T - 10) + " L" + (ax + 6) + " " + (T - 10) + " L" + ax + " " + T + " Z", fill: "#c53030" }));
    g.appendChild(sv("text", { x: ax + 8, y: T - 2, fill: "#c53030" }, String(a.n)));
    g.addEventListener("click", function () { focusAlert(a.n); });
    svg.appendChild(g);
  });
  document.getElementById("chart").appendChild(svg);

  // Summary.
  var sum = document.getElementById("summary");
  [["Operations", D.summary.by_operation], ["Outcomes", D.summary.by_outcome],
   ["IP addresses", D.summary.by_ip], ["Vaults", D.summary.by_vault]].forEach(function (p) {
    var box = el("div");
    box.appendChild(el("h3", null, p[0]));
    var tb = el("table", { "class": "counts" });
    Object.keys(p[1]).sort(function (a, b) { return p[1][b] - p[1][a]; }).slice(0, 25).forEach(function (k) {
      var tr = el("tr"); tr.appendChild(el("td", null, k)); tr.appendChild(el("td", { "class": "num" }, String(p[1][k]))); tb.appendChild(tr);
    });
    box.appendChild(tb);
    sum.appendChild(box);
  });

  // Event table, alerts in place (each alert row just before the first request after it was raised).
  var tbody = document.querySelector("#events tbody");
  var rows = [];
  var ai = 0;
  function alertRow(a) {
    var tr = el("tr", { "class": "alert-row", "data-alert-id": a.SystemAlertId, id: "alert-row-" + a.n });
    var td = el("td", { colspan: 9 }, "ALERT " + a.n + " raised at " + short(a.TimeGenerated) + ": " + a.AlertDisplayName + " (" + a.Severity + "). " + (a.Reasons || ""));
    tr.appendChild(td);
    return tr;
  }
  D.events.forEach(function (e) {
    while (ai < D.alerts.length && ms(D.alerts[ai].TimeGenerated) < ms(e.time)) rows.push(alertRow(D.alerts[ai++]));
    var tr = el("tr", { "class": e.alerts.length ? "event flagged" : "event" });
    if (e.alerts.length) tr.setAttribute("data-alerts", e.alerts.join(" "));
    tr.setAttribute("data-correlation-id", e.correlation_id);
    [short(e.time), e.operation, e.outcome, e.http_status ? String(e.http_status) : "", e.ip, e.vault_name, e.upn || e.caller, e.target,
     e.alerts.map(function (k) { return "#" + k; }).join(" ")].forEach(function (v, idx) {
      var td = el("td", idx === 2 ? { "class": "outcome-" + e.outcome } : null, v);
      tr.appendChild(td);
    });
    rows.push(tr);
  });
  while (ai < D.alerts.length) rows.push(alertRow(D.alerts[ai++]));
  var LIMIT = 5000, showAll = false;
  var filter = document.getElementById("filter"), only = document.getElementById("only-flagged");
  function draw() {
    var q = filter.value.toLowerCase(), shown = 0, matched = 0;
    tbody.textContent = "";
    var frag = document.createDocumentFragment();
    rows.forEach(function (tr) {
      var isAlert = tr.classList.contains("alert-row");
      if (only.checked && !isAlert && !tr.classList.contains("flagged")) return;
      if (q && !isAlert && tr.textContent.toLowerCase().indexOf(q) < 0) return;
      matched++;
      if (!showAll && shown >= LIMIT && !isAlert) return;
      shown++;
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    document.getElementById("rowcount").textContent = shown + " of " + matched + " rows shown";
    document.getElementById("more").hidden = showAll || shown >= matched;
  }
  filter.addEventListener("input", draw);
  only.addEventListener("change", draw);
  document.getElementById("more").addEventListener("click", function () { showAll = true; draw(); });
  draw();

  function focusAlert(k) {
    document.querySelectorAll("tr.focus").forEach(function (r) { r.classList.remove("focus"); });
    var first = null;
    document.querySelectorAll("tr.event[data-alerts]").forEach(function (r) {
      if (r.getAttribute("data-alerts").split(" ").indexOf(String(k)) >= 0) { r.classList.add("focus"); if (!first) first = r; }
    });
    (first || document.getElementById("alert-row-" + k) || document.body).scrollIntoView({ block: "center" });
  }

  document.getElementById("footer").textContent = "Generated by vaultwatch timeline from " + D.source +
      (D.truncated ? ". The table holds the first " + D.events.length + " of " + D.total_events + " requests (the counts above include all)." : ".");
  document.body.setAttribute("data-rendered", "yes");
})();
</script>
</body>
</html>
)HTML";

}  // namespace

std::string RenderHtml(const Timeline& t) {
  std::string s = kHead;
  s += RenderJson(t);  // every value is escaped by JsonString: '<' can never close the script
  s += kScript;
  return s;
}

}  // namespace vw::forensics
