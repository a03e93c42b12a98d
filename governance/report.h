// The monthly review (`vaultwatch report`): what vaultwatch processed and found over a period,
// from files: the audit records (any shape ingest accepts), the alerts (contracts section 4) and
// optionally the analysts' verdicts (feedback.h). Rendered as Markdown or as one self-contained
// HTML page with inline-SVG charts. See docs/report.md (what is measurable from files).
//
// Period: events by event time, alerts by TimeGenerated, verdicts by their time, all in
// [from, to). Dead letters have no trustworthy time, so all of the file's are counted.
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace vw::governance {

struct ReportOptions {
  int64_t from_us = 0, to_us = 0;
  std::string events_path, alerts_path, feedback_path;  // feedback optional
  // Optional: the --summary-json of the `vaultwatch detect --feedback` run that wrote the alerts
  // file. Alerts it suppressed are not in that file, so only its summary can count them.
  std::string detect_summary_path;
  size_t top_n = 10;
};

struct Percentiles {
  uint64_t n = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

struct Report {
  int64_t from_us = 0, to_us = 0;
  // Input.
  uint64_t records_in = 0, events = 0, events_outside = 0, dead_letters = 0, skipped = 0;
  uint64_t bytes = 0;  // bytes of the events file read
  uint64_t vaults = 0, subscriptions = 0, callers = 0;
  std::vector<std::pair<std::string, uint64_t>>
      dead_letter_reasons;                                       // top, reason with digits masked
  std::vector<std::pair<std::string, uint64_t>> events_per_day;  // "YYYY-MM-DD" -> events
  Percentiles delivery_lateness_s;  // how far behind the newest earlier record each record came
  Percentiles request_duration_ms;  // Key Vault's DurationMs
  // Alerts.
  uint64_t alerts = 0, bad_alert_lines = 0;
  std::map<std::string, uint64_t> by_type, by_severity;
  std::vector<std::pair<std::string, uint64_t>> top_vaults, top_accounts, top_ips;
  Percentiles alert_delay_s;  // TimeGenerated - StartTimeUtc (event time, first evidence to alert)
  // Feedback.
  bool has_feedback = false;
  uint64_t verdicts = 0, true_positive = 0, benign = 0, verdicts_unmatched = 0;
  double precision = -1;  // TP / (TP + benign) over verdicted alerts of the period; -1 = none
  uint64_t suppressions = 0, suppressed_alerts = 0;
  std::map<std::string, std::pair<uint64_t, uint64_t>> precision_by_type;  // type -> (tp, benign)
  // From the detect summary (detect_summary_path): alerts `detect --feedback` suppressed before
  // writing the alerts file, over that whole run (it has no per-alert times for them).
  bool has_detect_summary = false;
  uint64_t detect_suppressed = 0, detect_suppressions = 0;
  std::map<std::string, uint64_t> detect_suppressed_by_type;
};

Result<Report> BuildReport(const ReportOptions& options);
std::string RenderMarkdown(const Report& r);
std::string RenderHtml(const Report& r);

}  // namespace vw::governance
