#include "governance/report.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <unordered_set>

#include "base/time_format.h"
#include "forensics/alert_record.h"
#include "governance/feedback.h"
#include "processors/detectors/file_input.h"
#include "processors/ingest/ingest.h"

namespace vw::governance {
namespace {

constexpr int64_t kDayUs = 86400LL * 1000000;

Percentiles Compute(std::vector<double> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
    return v[std::min(i, v.size() - 1)];
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = v.back();
  return p;
}

std::vector<std::pair<std::string, uint64_t>> Top(const std::map<std::string, uint64_t>& m,
                                                  size_t n) {
  std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > n) v.resize(n);
  return v;
}

// Dead-letter reasons name record numbers and values; group them by masking digits.
std::string ReasonClass(const std::string& reason) {
  std::string out;
  bool in_digits = false;
  for (char c : reason) {
    if (c >= '0' && c <= '9') {
      if (!in_digits) out += 'N';
      in_digits = true;
    } else {
      in_digits = false;
      out += c;
    }
  }
  if (out.size() > 120) out.resize(120);
  return out;
}

class Scan final : public ingest::RecordSink {
 public:
  explicit Scan(Report* r) : r_(r) {}
  void OnEvent(v1::AccessEvent&& e) override {
    const int64_t t = e.time_us();
    if (t > newest_) newest_ = t;
    if (t < r_->from_us || t >= r_->to_us) {
      ++r_->events_outside;
      return;
    }
    ++r_->events;
    lateness_.push_back(static_cast<double>(newest_ - t) / 1e6);
    if (e.duration_ms() > 0) duration_.push_back(static_cast<double>(e.duration_ms()));
    vaults_.insert(ingest::VaultKey(e));
    if (!e.subscription_id().empty()) subs_.insert(e.subscription_id());
    std::string caller = ingest::CallerKey(e);
    if (!caller.empty()) callers_.insert(std::move(caller));
    ++days_[FormatRfc3339(EventTime::FromMicros(t - ((t % kDayUs) + kDayUs) % kDayUs))
                .substr(0, 10)];
  }
  void OnDeadLetter(ingest::DeadLetter&& d) override { ++reasons_[ReasonClass(d.reason)]; }

  void Finish(size_t top_n) {
    r_->vaults = vaults_.size();
    r_->subscriptions = subs_.size();
    r_->callers = callers_.size();
    r_->dead_letter_reasons = Top(reasons_, top_n);
    r_->events_per_day.assign(days_.begin(), days_.end());
    r_->delivery_lateness_s = Compute(std::move(lateness_));
    r_->request_duration_ms = Compute(std::move(duration_));
  }

 private:
  Report* r_;
  int64_t newest_ = INT64_MIN;
  std::unordered_set<std::string> vaults_, subs_, callers_;
  std::map<std::string, uint64_t> reasons_, days_;
  std::vector<double> lateness_, duration_;
};

std::string Num(uint64_t n) {
  std::string s = std::to_string(n), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string Fixed(double x, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

std::string Bytes(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double x = static_cast<double>(b);
  int u = 0;
  while (x >= 1024 && u < 4) {
    x /= 1024;
    ++u;
  }
  return Fixed(x, u == 0 ? 0 : 1) + " " + units[u];
}

std::string Day(int64_t us) { return FormatRfc3339(EventTime::FromMicros(us)); }

std::string Html(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string MdCell(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '|')
      o += "\\|";
    else if (c == '\n')
      o += ' ';
    else
      o += c;
  }
  return o;
}

std::string PrecisionText(const Report& r) {
  if (!r.has_feedback) return "n/a (no feedback file)";
  if (r.precision < 0) return "n/a (no verdicts on alerts of the period)";
  return Fixed(100 * r.precision, 1) + " % (" + Num(r.true_positive) + " true positive, " +
         Num(r.benign) + " benign)";
}

// A horizontal bar chart as inline SVG: one row per (label, value).
std::string SvgBars(const std::string& id, const std::string& title,
                    const std::vector<std::pair<std::string, uint64_t>>& rows,
                    const std::string& color) {
  const int row_h = 22, label_w = 260, bar_w = 420, w = label_w + bar_w + 80;
  const int h = static_cast<int>(rows.size()) * row_h + 30;
  uint64_t max = 1;
  for (const auto& r : rows) max = std::max(max, r.second);
  std::string s = "<svg id=\"" + id + "\" class=\"chart\" role=\"img\" viewBox=\"0 0 " +
                  std::to_string(w) + " " + std::to_string(h) + "\" width=\"" + std::to_string(w) +
                  "\" height=\"" + std::to_string(h) +
                  "\" xmlns=\"http://www.w3.org/2000/svg\"><title>" + Html(title) + "</title>";
  s += "<text x=\"0\" y=\"14\" class=\"ct\">" + Html(title) + "</text>";
  if (rows.empty()) s += "<text x=\"0\" y=\"40\">none</text>";
  for (size_t i = 0; i < rows.size(); ++i) {
    const int y = 24 + static_cast<int>(i) * row_h;
    const int bw = std::max<int>(
        1, static_cast<int>(static_cast<double>(bar_w) * static_cast<double>(rows[i].second) /
                            static_cast<double>(max)));
    std::string label = rows[i].first;
    if (label.size() > 40) label = label.substr(0, 18) + "..." + label.substr(label.size() - 19);
    s += "<text x=\"" + std::to_string(label_w - 6) + "\" y=\"" + std::to_string(y + 15) +
         "\" text-anchor=\"end\">" + Html(label) + "</text>";
    s += "<rect class=\"bar\" data-label=\"" + Html(rows[i].first) + "\" data-value=\"" +
         std::to_string(rows[i].second) + "\" x=\"" + std::to_string(label_w) + "\" y=\"" +
         std::to_string(y + 3) + "\" width=\"" + std::to_string(bw) + "\" height=\"" +
         std::to_string(row_h - 6) + "\" fill=\"" + color + "\"><title>" + Html(rows[i].first) +
         ": " + std::to_string(rows[i].second) + "</title></rect>";
    s += "<text x=\"" + std::to_string(label_w + bw + 6) + "\" y=\"" + std::to_string(y + 15) +
         "\">" + Num(rows[i].second) + "</text>";
  }
  return s + "</svg>";
}

// Vertical bars (events per day).
std::string SvgColumns(const std::string& id, const std::string& title,
                       const std::vector<std::pair<std::string, uint64_t>>& cols) {
  const int w = 760, h = 220, left = 60, bottom = 40, top = 24;
  uint64_t max = 1;
  for (const auto& c : cols) max = std::max(max, c.second);
  std::string s = "<svg id=\"" + id + "\" class=\"chart\" role=\"img\" viewBox=\"0 0 760 220\" " +
                  "width=\"760\" height=\"220\" xmlns=\"http://www.w3.org/2000/svg\"><title>" +
                  Html(title) + "</title><text x=\"0\" y=\"14\" class=\"ct\">" + Html(title) +
                  "</text>";
  s += "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(h - bottom) + "\" x2=\"" +
       std::to_string(w) + "\" y2=\"" + std::to_string(h - bottom) + "\" stroke=\"#888\"/>";
  s += "<text x=\"" + std::to_string(left - 4) + "\" y=\"" + std::to_string(top + 8) +
       "\" text-anchor=\"end\">" + Num(max) + "</text>";
  if (cols.empty()) return s + "<text x=\"70\" y=\"100\">no events</text></svg>";
  const double cw = static_cast<double>(w - left) / static_cast<double>(cols.size());
  for (size_t i = 0; i < cols.size(); ++i) {
    const double bh = static_cast<double>(h - bottom - top) * static_cast<double>(cols[i].second) /
                      static_cast<double>(max);
    const double x = left + cw * static_cast<double>(i);
    s += "<rect class=\"bar\" data-label=\"" + Html(cols[i].first) + "\" data-value=\"" +
         std::to_string(cols[i].second) + "\" x=\"" + Fixed(x + 1, 1) + "\" y=\"" +
         Fixed(h - bottom - bh, 1) + "\" width=\"" + Fixed(std::max(cw - 2, 1.0), 1) +
         "\" height=\"" + Fixed(bh, 1) + "\" fill=\"#3182ce\"><title>" + Html(cols[i].first) +
         ": " + Num(cols[i].second) + " events</title></rect>";
    if (cols.size() <= 16 || i % ((cols.size() + 7) / 8) == 0) {
      s += "<text x=\"" + Fixed(x + cw / 2, 1) + "\" y=\"" + std::to_string(h - bottom + 16) +
           "\" text-anchor=\"middle\">" + Html(cols[i].first.substr(5)) + "</text>";
    }
  }
  return s + "</svg>";
}

std::vector<std::pair<std::string, uint64_t>> Pairs(const std::map<std::string, uint64_t>& m) {
  return Top(m, m.size());
}

uint64_t JsonCount(simdjson::dom::element e) {
  uint64_t u = 0;
  if (e.get(u) == simdjson::SUCCESS) return u;
  double d = 0;  // DetectRunSummary::ToJson writes counts as %g doubles
  if (e.get(d) == simdjson::SUCCESS && d > 0) return static_cast<uint64_t>(d + 0.5);
  return 0;
}
uint64_t JsonCount(simdjson::simdjson_result<simdjson::dom::element> e) {
  simdjson::dom::element v;
  return e.get(v) == simdjson::SUCCESS ? JsonCount(v) : 0;
}

// The summary `vaultwatch detect --summary-json` wrote: one JSON object (the last line if more).
Status ReadDetectSummary(const std::string& path, Report* r) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot open the detect summary");
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(last.data(), last.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Status::InvalidArgument(path + ": not a detect summary (one JSON object)");
  }
  simdjson::dom::element filtered;
  if (doc["alerts_filtered"].get(filtered) != simdjson::SUCCESS) {
    return Status::InvalidArgument(path + ": not a detect summary ('alerts_filtered' missing)");
  }
  r->has_detect_summary = true;
  r->detect_suppressed = JsonCount(filtered);
  simdjson::dom::element fb;
  if (doc["governance"]["feedback"].get(fb) == simdjson::SUCCESS) {
    // Exact integers, where alerts_filtered is a %g double.
    r->detect_suppressed = JsonCount(fb["suppressed"]);
    r->detect_suppressions = JsonCount(fb["suppressions"]);
    simdjson::dom::object by_type;
    if (fb["suppressed_by_type"].get(by_type) == simdjson::SUCCESS) {
      for (auto field : by_type) {
        r->detect_suppressed_by_type[std::string(field.key)] = JsonCount(field.value);
      }
    }
  }
  return Status::OK();
}

}  // namespace

Result<Report> BuildReport(const ReportOptions& o) {
  if (o.to_us <= o.from_us) return Status::InvalidArgument("report: --to must be after --from");
  Report r;
  r.from_us = o.from_us;
  r.to_us = o.to_us;
  // Events.
  {
    std::error_code ec;
    if (o.events_path != "-") {
      r.bytes = std::filesystem::file_size(o.events_path, ec);
      if (ec) return Status::IOError(o.events_path + ": " + ec.message());
    }
    ingest::Ingestor ingestor;
    Scan scan(&r);
    VW_RETURN_IF_ERROR(ingest::IngestFile(o.events_path, ingestor, scan));
    scan.Finish(o.top_n);
    r.records_in = ingestor.counters().records_in;
    r.dead_letters = ingestor.counters().deadlettered;
    r.skipped = ingestor.counters().skipped;
  }
  // Alerts (in the period by TimeGenerated), through the feedback filter when there is feedback.
  std::vector<forensics::AlertRecord> alerts;
  {
    std::ifstream in(o.alerts_path, std::ios::binary);
    if (!in) return Status::IOError(o.alerts_path + ": cannot open");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      Result<forensics::AlertRecord> a = forensics::ParseAlertJson(line);
      if (!a.ok()) {
        ++r.bad_alert_lines;
        continue;
      }
      if (a->generated_us < o.from_us || a->generated_us >= o.to_us) continue;
      a->json.clear();
      alerts.push_back(std::move(*a));
    }
  }
  std::vector<bool> kept(alerts.size(), true);
  if (!o.feedback_path.empty()) {
    r.has_feedback = true;
    VW_ASSIGN_OR_RETURN(std::vector<Verdict> verdicts, ReadVerdicts(o.feedback_path, nullptr));
    AlertFilter filter;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < alerts.size(); ++i) {
      filter.Remember(alerts[i]);
      index[alerts[i].id] = i;
    }
    uint64_t tp = 0, benign = 0;
    for (const Verdict& v : verdicts) {
      filter.AddVerdict(v);
      auto it = index.find(v.alert_id);
      if (it == index.end()) {
        ++r.verdicts_unmatched;
        continue;
      }
      ++r.verdicts;
      auto& pt = r.precision_by_type[alerts[it->second].type];
      if (v.kind == VerdictKind::kTruePositive) {
        ++tp;
        ++pt.first;
      } else {
        ++benign;
        ++pt.second;
      }
    }
    r.true_positive = tp;
    r.benign = benign;
    if (tp + benign > 0) r.precision = static_cast<double>(tp) / static_cast<double>(tp + benign);
    for (size_t i = 0; i < alerts.size(); ++i) kept[i] = filter.Keep(alerts[i]);
    r.suppressions = filter.suppressions().size();
    r.suppressed_alerts = filter.stats().suppressed;
  }
  std::map<std::string, uint64_t> vaults, accounts, ips;
  std::vector<double> delay;
  for (size_t i = 0; i < alerts.size(); ++i) {
    if (!kept[i]) continue;
    const forensics::AlertRecord& a = alerts[i];
    ++r.alerts;
    ++r.by_type[a.type];
    ++r.by_severity[a.severity.empty() ? "(none)" : a.severity];
    if (!a.azure_resource_id.empty()) ++vaults[a.azure_resource_id];
    std::set<std::string> acc(a.accounts.begin(), a.accounts.end());
    for (const std::string& x : acc) ++accounts[x];
    std::set<std::string> ip(a.ips.begin(), a.ips.end());
    for (const std::string& x : ip) ++ips[x];
    if (a.start_us > 0 && a.generated_us >= a.start_us) {
      delay.push_back(static_cast<double>(a.generated_us - a.start_us) / 1e6);
    }
  }
  if (!o.detect_summary_path.empty())
    VW_RETURN_IF_ERROR(ReadDetectSummary(o.detect_summary_path, &r));
  r.top_vaults = Top(vaults, o.top_n);
  r.top_accounts = Top(accounts, o.top_n);
  r.top_ips = Top(ips, o.top_n);
  r.alert_delay_s = Compute(std::move(delay));
  return r;
}

namespace {

std::string DetectSuppressedText(const Report& r) {
  return "Suppressed during detection (`vaultwatch detect --feedback`, the whole run, from its "
         "summary): " +
         Num(r.detect_suppressed) + " alerts by " + Num(r.detect_suppressions) +
         " suppressions; they are not in the alerts file.";
}

std::string PercentileRow(const std::string& what, const Percentiles& p, const std::string& unit) {
  if (p.n == 0) return "| " + what + " | 0 | - | - | - | - |\n";
  return "| " + what + " (" + unit + ") | " + Num(p.n) + " | " + Fixed(p.p50) + " | " +
         Fixed(p.p90) + " | " + Fixed(p.p99) + " | " + Fixed(p.max) + " |\n";
}

void MdTable(std::string* s, const std::string& a, const std::string& b,
             const std::vector<std::pair<std::string, uint64_t>>& rows) {
  *s += "| " + a + " | " + b + " |\n|---|---:|\n";
  if (rows.empty()) *s += "| (none) | 0 |\n";
  for (const auto& [k, v] : rows) *s += "| " + MdCell(k) + " | " + Num(v) + " |\n";
  *s += "\n";
}

}  // namespace

std::string RenderMarkdown(const Report& r) {
  std::string s = "# vaultwatch monthly review\n\nPeriod: " + Day(r.from_us) + " to " +
                  Day(r.to_us) + " (events by event time, alerts by TimeGenerated).\n\n";
  s += "## What was processed\n\n| measure | value |\n|---|---:|\n";
  s += "| records read | " + Num(r.records_in) + " |\n";
  s += "| events in the period | " + Num(r.events) + " |\n";
  s += "| events outside the period | " + Num(r.events_outside) + " |\n";
  s += "| bytes read | " + Bytes(r.bytes) + " |\n";
  s += "| vaults protected | " + Num(r.vaults) + " |\n";
  s += "| subscriptions | " + Num(r.subscriptions) + " |\n";
  s += "| callers seen | " + Num(r.callers) + " |\n";
  s += "| dead letters | " + Num(r.dead_letters) + " |\n";
  s += "| other categories skipped | " + Num(r.skipped) + " |\n\n";
  s += "## Alerts\n\n";
  s += "Alerts published: **" + Num(r.alerts) + "**";
  if (r.has_feedback || r.has_detect_summary) {
    s += " (after " + Num(r.suppressed_alerts + r.detect_suppressed) +
         " suppressed by analyst feedback)";
  }
  s += ".\n\n";
  MdTable(&s, "alert type", "alerts", Pairs(r.by_type));
  MdTable(&s, "severity", "alerts", Pairs(r.by_severity));
  s += "### Top entities\n\n";
  MdTable(&s, "vault", "alerts", r.top_vaults);
  MdTable(&s, "account", "alerts", r.top_accounts);
  MdTable(&s, "IP address", "alerts", r.top_ips);
  s += "## Analyst feedback\n\n";
  s += "Precision: " + PrecisionText(r) + ".\n\n";
  if (r.has_feedback) {
    s += "Verdicts on alerts of the period: " + Num(r.verdicts) +
         "; naming other alerts: " + Num(r.verdicts_unmatched) +
         ". Suppressions created: " + Num(r.suppressions) +
         ", alerts suppressed: " + Num(r.suppressed_alerts) + ".\n\n";
    s += "| alert type | true positive | benign |\n|---|---:|---:|\n";
    for (const auto& [t, c] : r.precision_by_type) {
      s += "| " + MdCell(t) + " | " + Num(c.first) + " | " + Num(c.second) + " |\n";
    }
    s += "\n";
  }
  if (r.has_detect_summary) {
    s += DetectSuppressedText(r) + "\n\n";
    s += "| alert type | suppressed during detection |\n|---|---:|\n";
    if (r.detect_suppressed_by_type.empty()) s += "| (none) | 0 |\n";
    for (const auto& [t, n] : r.detect_suppressed_by_type) {
      s += "| " + MdCell(t) + " | " + Num(n) + " |\n";
    }
    s += "\n";
  }
  s += "## Lag and latency\n\n| measure | n | p50 | p90 | p99 | max "
       "|\n|---|---:|---:|---:|---:|---:|\n";
  s += PercentileRow("delivery lateness", r.delivery_lateness_s, "s");
  s += PercentileRow("Key Vault request duration", r.request_duration_ms, "ms");
  s += PercentileRow("alert delay after first evidence", r.alert_delay_s, "s, event time");
  s += "\nFrom files, lag is the event-time lateness of each record behind the newest one read "
       "before it, and alert delay is TimeGenerated - StartTimeUtc (the window or sequence the "
       "alert covers). Consumer lag and wall-clock "
       "latency come from the runtime's /metrics, not from files.\n\n";
  s += "## Dead letters\n\n";
  MdTable(&s, "reason (digits masked)", "records", r.dead_letter_reasons);
  return s;
}

std::string RenderHtml(const Report& r) {
  auto stat = [](const std::string& id, const std::string& label, const std::string& value) {
    return "<div class=\"stat\" id=\"" + id + "\"><div class=\"v\">" + Html(value) +
           "</div><div class=\"l\">" + Html(label) + "</div></div>";
  };
  auto table = [](const std::string& id, const std::string& a, const std::string& b,
                  const std::vector<std::pair<std::string, uint64_t>>& rows) {
    std::string t =
        "<table id=\"" + id + "\"><tr><th>" + Html(a) + "</th><th>" + Html(b) + "</th></tr>";
    if (rows.empty()) t += "<tr><td>(none)</td><td>0</td></tr>";
    for (const auto& [k, v] : rows) {
      t += "<tr><td>" + Html(k) + "</td><td class=\"n\">" + Num(v) + "</td></tr>";
    }
    return t + "</table>";
  };
  auto prow = [](const std::string& what, const Percentiles& p) {
    if (p.n == 0)
      return "<tr><td>" + Html(what) +
             "</td><td>0</td><td>-</td><td>-</td><td>-</td><td>-</td></tr>";
    return "<tr><td>" + Html(what) + "</td><td class=\"n\">" + Num(p.n) + "</td><td class=\"n\">" +
           Fixed(p.p50) + "</td><td class=\"n\">" + Fixed(p.p90) + "</td><td class=\"n\">" +
           Fixed(p.p99) + "</td><td class=\"n\">" + Fixed(p.max) + "</td></tr>";
  };
  std::string s =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vaultwatch monthly "
      "review</title><style>body{font-family:sans-serif;margin:24px;color:#1a202c;max-width:1000px}"
      "h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #cbd5e0}"
      ".stats{display:flex;flex-wrap:wrap;gap:12px}.stat{border:1px solid "
      "#cbd5e0;border-radius:6px;"
      "padding:8px 14px;min-width:120px}.stat .v{font-size:20px;font-weight:bold}.stat "
      ".l{font-size:"
      "12px;color:#4a5568}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid "
      "#e2e8f0;"
      "padding:3px 8px;font-size:13px;text-align:left}td.n{text-align:right}svg "
      "text{font-size:12px;"
      "fill:#2d3748}svg .ct{font-weight:bold;font-size:13px}.cols{display:flex;flex-wrap:wrap;"
      "gap:24px}</style></head><body>\n";
  s += "<h1>vaultwatch monthly review</h1><p id=\"period\">Period: " + Html(Day(r.from_us)) +
       " to " + Html(Day(r.to_us)) + "</p>\n";
  s += "<h2>What was processed</h2><div class=\"stats\">";
  s += stat("stat-events", "events", Num(r.events));
  s += stat("stat-bytes", "bytes read", Bytes(r.bytes));
  s += stat("stat-vaults", "vaults protected", Num(r.vaults));
  s += stat("stat-subscriptions", "subscriptions", Num(r.subscriptions));
  s += stat("stat-callers", "callers", Num(r.callers));
  s += stat("stat-alerts", "alerts", Num(r.alerts));
  s += stat("stat-dead-letters", "dead letters", Num(r.dead_letters));
  s += stat("stat-precision", "precision",
            r.precision < 0 ? "n/a" : Fixed(100 * r.precision, 1) + " %");
  if (r.has_feedback || r.has_detect_summary) {
    s += stat("stat-suppressed", "suppressed by feedback",
              Num(r.suppressed_alerts + r.detect_suppressed));
  }
  s += "</div>\n" + SvgColumns("chart-events-per-day", "Events per day", r.events_per_day);
  s += "<h2>Alerts</h2><div class=\"cols\">" +
       SvgBars("chart-alerts-by-type", "Alerts by type", Pairs(r.by_type), "#dd6b20") +
       SvgBars("chart-alerts-by-severity", "Alerts by severity", Pairs(r.by_severity), "#c53030") +
       "</div>\n";
  s += "<h2>Top entities</h2><div class=\"cols\">" +
       table("top-vaults", "vault", "alerts", r.top_vaults) +
       table("top-accounts", "account", "alerts", r.top_accounts) +
       table("top-ips", "IP address", "alerts", r.top_ips) + "</div>\n";
  s += "<h2>Analyst feedback</h2><p id=\"precision\">Precision: " + Html(PrecisionText(r)) + "</p>";
  if (r.has_feedback) {
    s += "<p id=\"suppressions\">Suppressions created: " + Num(r.suppressions) +
         "; alerts suppressed: " + Num(r.suppressed_alerts) +
         "; verdicts naming other alerts: " + Num(r.verdicts_unmatched) + ".</p>";
  }
  if (r.has_detect_summary) {
    std::string t = DetectSuppressedText(r);
    t.erase(std::remove(t.begin(), t.end(), '`'), t.end());
    s += "<p id=\"detect-suppressed\">" + Html(t) + "</p>" +
         SvgBars("chart-detect-suppressed", "Suppressed during detection, by type",
                 Pairs(r.detect_suppressed_by_type), "#805ad5");
  }
  s += "<h2>Lag and latency</h2><table id=\"latency\"><tr><th>measure</th><th>n</th><th>p50</th>"
       "<th>p90</th><th>p99</th><th>max</th></tr>" +
       prow("delivery lateness (s)", r.delivery_lateness_s) +
       prow("Key Vault request duration (ms)", r.request_duration_ms) +
       prow("alert delay after first evidence (s, event time)", r.alert_delay_s) + "</table>";
  s += "<h2>Dead letters</h2>" +
       SvgBars("chart-dead-letters", "Dead letters by reason", r.dead_letter_reasons, "#718096");
  s += "\n</body></html>\n";
  return s;
}

}  // namespace vw::governance
