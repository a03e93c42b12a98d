#include "forensics/timeline.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "base/ascii.h"
#include "base/time_format.h"
#include "forensics/event_source.h"
#include "processors/ingest/ingest.h"

namespace vw::forensics {
namespace {

std::string LastSegment(const std::string& resource_id) {
  size_t slash = resource_id.rfind('/');
  return slash == std::string::npos ? resource_id : resource_id.substr(slash + 1);
}

std::string Time(int64_t us) { return FormatRfc3339(EventTime::FromMicros(us)); }

TimelineEvent ToRow(const v1::AccessEvent& e) {
  TimelineEvent r;
  r.time_us = e.time_us();
  r.operation = e.operation_name();
  r.outcome = std::string(ingest::OutcomeName(e.outcome()));
  r.http_status = e.http_status();
  r.ip = e.caller().ip_text();
  r.vault_id = e.vault_id();
  r.vault_name = e.vault_name();
  r.caller = ingest::CallerKey(e);
  r.upn = e.caller().upn();
  r.app_id = e.caller().app_id();
  r.target = e.target_name();
  r.correlation_id = e.correlation_id();
  const v1::SourcePosition& s = e.source();
  r.source = s.source() + (s.partition() >= 0 ? "/" + std::to_string(s.partition()) : "") + "@" +
             std::to_string(s.offset());
  return r;
}

// Whether event row `r` is evidence the alert can refer to: inside its span, on its vault, and
// by its account when it names one.
bool EvidenceOf(const TimelineEvent& r, const AlertRecord& a) {
  if (r.time_us < a.start_us || r.time_us > a.end_us) return false;
  if (!a.azure_resource_id.empty() && AsciiLower(r.vault_id) != a.azure_resource_id) return false;
  if (!a.accounts.empty()) {
    bool any = false;
    for (const std::string& acc : a.accounts) {
      any |= acc == AsciiLower(r.caller) || acc == AsciiLower(r.app_id) || acc == AsciiLower(r.upn);
    }
    if (!any) return false;
  }
  return true;
}

// A bucket width giving at most ~120 bars over the range.
Duration PickBucket(int64_t span_us) {
  static const Duration kSteps[] = {
      Duration::Seconds(1),  Duration::Seconds(10), Duration::Minutes(1), Duration::Minutes(5),
      Duration::Minutes(15), Duration::Hours(1),    Duration::Hours(3),   Duration::Hours(6),
      Duration::Hours(12),   Duration::Days(1),     Duration::Days(7)};
  for (Duration d : kSteps) {
    if (span_us / d.micros() <= 120) return d;
  }
  return Duration::Days(30);
}

std::string Pad(std::string s, size_t n) {
  if (s.size() > n) {
    s.resize(n > 1 ? n - 1 : n);
    s += "~";
  }
  s.resize(n, ' ');
  return s;
}

std::string CsvField(const std::string& s) {
  bool quote = s.find_first_of(",\"\n\r") != std::string::npos;
  // A leading = + - @ would be a formula in a spreadsheet: neutralise it (CSV injection).
  std::string v = s;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) {
    v = "'" + v;
    quote = true;
  }
  if (!quote) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void CountsJson(std::string* s, const char* name, const std::map<std::string, uint64_t>& m) {
  *s += JsonString(name) + ":{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) *s += ",";
    first = false;
    *s += JsonString(k) + ":" + std::to_string(v);
  }
  *s += "}";
}

}  // namespace

std::string JsonString(std::string_view in) {
  std::string s = "\"";
  for (unsigned char c : in) {
    switch (c) {
      case '"':
        s += "\\\"";
        break;
      case '\\':
        s += "\\\\";
        break;
      case '\n':
        s += "\\n";
        break;
      case '\r':
        s += "\\r";
        break;
      case '\t':
        s += "\\t";
        break;
      case '<':
        s += "\\u003c";
        break;
      case '>':
        s += "\\u003e";
        break;
      case '&':
        s += "\\u0026";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          s += buf;
        } else {
          s += static_cast<char>(c);
        }
    }
  }
  return s + "\"";
}

std::string EntitySelector::KindName() const {
  switch (kind) {
    case EntityKind::kVault:
      return "vault";
    case EntityKind::kCaller:
      return "caller";
    case EntityKind::kIp:
      return "ip";
  }
  return "?";
}

bool EntitySelector::Matches(const v1::AccessEvent& e) const {
  const std::string want = AsciiLower(id);
  switch (kind) {
    case EntityKind::kVault:
      return e.vault_id() == want || e.vault_name() == want;
    case EntityKind::kCaller: {
      const v1::Caller& c = e.caller();
      return (!c.object_id().empty() && c.object_id() == want) ||
             (!c.app_id().empty() && c.app_id() == want) || (!c.upn().empty() && c.upn() == want) ||
             ingest::CallerKey(e) == want;
    }
    case EntityKind::kIp:
      return !e.caller().ip_text().empty() && AsciiLower(e.caller().ip_text()) == want;
  }
  return false;
}

bool EntitySelector::Involves(const AlertRecord& a) const {
  const std::string want = AsciiLower(id);
  switch (kind) {
    case EntityKind::kVault:
      return a.azure_resource_id == want || LastSegment(a.azure_resource_id) == want;
    case EntityKind::kCaller:
      return std::find(a.accounts.begin(), a.accounts.end(), want) != a.accounts.end();
    case EntityKind::kIp:
      for (const std::string& ip : a.ips) {
        if (AsciiLower(ip) == want) return true;
      }
      return false;
  }
  return false;
}

void FinishTimeline(Timeline* t) {
  std::stable_sort(
      t->events.begin(), t->events.end(),
      [](const TimelineEvent& a, const TimelineEvent& b) { return a.time_us < b.time_us; });
  std::sort(t->alerts.begin(), t->alerts.end(), [](const AlertRecord& a, const AlertRecord& b) {
    if (a.generated_us != b.generated_us) return a.generated_us < b.generated_us;
    if (a.type != b.type) return a.type < b.type;
    return a.id < b.id;
  });
  t->alerts.erase(
      std::unique(t->alerts.begin(), t->alerts.end(),
                  [](const AlertRecord& a, const AlertRecord& b) { return a.id == b.id; }),
      t->alerts.end());
  for (TimelineEvent& r : t->events) {
    r.alerts.clear();
    for (size_t i = 0; i < t->alerts.size(); ++i) {
      if (EvidenceOf(r, t->alerts[i])) r.alerts.push_back(static_cast<int>(i));
    }
  }
  // The chart spans the range, clipped to the data when the range is open or much wider.
  int64_t lo = t->from.micros(), hi = t->to.micros();
  if (!t->events.empty()) {
    int64_t first = t->events.front().time_us, last = t->events.back().time_us;
    if (lo == EventTime::Min().micros() || first - lo > (hi - lo) / 2) lo = first;
    if (hi == EventTime::Max().micros() || hi - last > (hi - lo) / 2) hi = last + 1;
  }
  for (const AlertRecord& a : t->alerts) {
    lo = std::min(lo, std::max(a.start_us, t->from.micros()));
    hi = std::max(hi, std::min(a.end_us + 1, t->to.micros()));
  }
  if (hi <= lo) hi = lo + 1;
  t->bucket = PickBucket(hi - lo);
  int64_t start = EventTime::FromMicros(lo).FloorTo(t->bucket).micros();
  size_t n = static_cast<size_t>((hi - start + t->bucket.micros() - 1) / t->bucket.micros());
  t->buckets.assign(std::max<size_t>(n, 1), {0, 0});
  for (const TimelineEvent& r : t->events) {
    int64_t i = (r.time_us - start) / t->bucket.micros();
    if (i < 0 || static_cast<size_t>(i) >= t->buckets.size()) continue;
    (r.outcome == "success" ? t->buckets[i].first : t->buckets[i].second) += 1;
  }
  t->chart_start_us = start;
}

Result<Timeline> BuildTimeline(const TimelineOptions& options) {
  if (options.entity.id.empty()) return Status::InvalidArgument("no entity given");
  Timeline t;
  t.entity = options.entity;
  t.from = options.from;
  t.to = options.to;
  SourceOptions so;
  so.input = options.input;
  so.from = options.from;
  so.to = options.to;
  so.max_delay = options.max_delay;
  so.kafka = options.kafka;
  VW_ASSIGN_OR_RETURN(std::unique_ptr<EventSource> source, OpenEventSource(so));
  VW_RETURN_IF_ERROR(source->Run([&](v1::AccessEvent&& e) -> Status {
    if (!options.entity.Matches(e)) return Status::OK();
    ++t.total_events;
    ++t.by_operation[e.operation_name()];
    ++t.by_outcome[std::string(ingest::OutcomeName(e.outcome()))];
    ++t.by_ip[e.caller().ip_text().empty() ? "(none)" : e.caller().ip_text()];
    ++t.by_vault[e.vault_name().empty() ? e.vault_id() : e.vault_name()];
    if (t.events.size() < options.max_rows) {
      t.events.push_back(ToRow(e));
    } else {
      t.truncated = true;
    }
    return Status::OK();
  }));
  t.source = source->Describe();
  if (!options.alerts.empty()) {
    AlertReadStats st;
    VW_ASSIGN_OR_RETURN(std::vector<AlertRecord> all,
                        ReadAlerts(options.alerts, options.kafka, &st));
    for (AlertRecord& a : all) {
      if (a.end_us < options.from.micros() || a.start_us >= options.to.micros()) continue;
      if (options.entity.Involves(a)) t.alerts.push_back(std::move(a));
    }
  }
  FinishTimeline(&t);
  return t;
}

std::string RenderTable(const Timeline& t) {
  std::string s;
  s += "Timeline of " + t.entity.KindName() + " " + t.entity.id + "\n";
  s += "Range: " + Time(t.from.micros()) + " .. " + Time(t.to.micros()) + "   Read: " + t.source +
       "\n";
  s += std::to_string(t.total_events) + " events, " + std::to_string(t.alerts.size()) + " alerts" +
       (t.truncated
            ? " (table truncated to the first " + std::to_string(t.events.size()) + " events)"
            : "") +
       "\n\n";
  s += Pad("time (UTC)", 28) + Pad("operation", 22) + Pad("outcome", 11) + Pad("http", 5) +
       Pad("ip", 16) + Pad("vault", 20) + Pad("caller", 38) + Pad("target", 20) + "alerts\n";
  size_t next_alert = 0;
  auto alert_rows_until = [&](int64_t t_us) {
    while (next_alert < t.alerts.size() && t.alerts[next_alert].generated_us <= t_us) {
      const AlertRecord& a = t.alerts[next_alert];
      s += ">>> ALERT [" + std::to_string(next_alert + 1) + "] " + Time(a.generated_us) + "  " +
           a.type + " (" + a.severity + "): " + a.display_name + "  id " + a.id + "\n";
      if (!a.reasons.empty()) s += "    " + a.reasons + "\n";
      ++next_alert;
    }
  };
  for (const TimelineEvent& r : t.events) {
    alert_rows_until(r.time_us - 1);
    std::string marks;
    for (int i : r.alerts) marks += (marks.empty() ? "*" : ",") + std::to_string(i + 1);
    s += Pad(Time(r.time_us), 28) + Pad(r.operation, 22) + Pad(r.outcome, 11) +
         Pad(r.http_status ? std::to_string(r.http_status) : "", 5) + Pad(r.ip, 16) +
         Pad(r.vault_name, 20) + Pad(r.upn.empty() ? r.caller : r.upn, 38) + Pad(r.target, 20) +
         marks + "\n";
  }
  alert_rows_until(INT64_MAX);
  auto counts = [&](const char* title, const std::map<std::string, uint64_t>& m) {
    std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    s += std::string("\n") + title + ":\n";
    for (const auto& [k, n] : v) s += "  " + Pad(k, 60) + " " + std::to_string(n) + "\n";
  };
  counts("By operation", t.by_operation);
  counts("By outcome", t.by_outcome);
  counts("By IP", t.by_ip);
  counts("By vault", t.by_vault);
  return s;
}

std::string RenderJson(const Timeline& t) {
  std::string s = "{";
  s += "\"entity\":{\"kind\":" + JsonString(t.entity.KindName()) +
       ",\"id\":" + JsonString(t.entity.id) + "},";
  s += "\"from\":" + JsonString(Time(t.from.micros())) +
       ",\"to\":" + JsonString(Time(t.to.micros())) + ",";
  s += "\"source\":" + JsonString(t.source) + ",";
  s += "\"total_events\":" + std::to_string(t.total_events) + ",";
  s += std::string("\"truncated\":") + (t.truncated ? "true" : "false") + ",";
  s += "\"summary\":{";
  CountsJson(&s, "by_operation", t.by_operation);
  s += ",";
  CountsJson(&s, "by_outcome", t.by_outcome);
  s += ",";
  CountsJson(&s, "by_ip", t.by_ip);
  s += ",";
  CountsJson(&s, "by_vault", t.by_vault);
  s += "},\"chart\":{\"start\":" + JsonString(Time(t.chart_start_us)) +
       ",\"bucket_seconds\":" + std::to_string(t.bucket.micros() / 1000000) + ",\"success\":[";
  for (size_t i = 0; i < t.buckets.size(); ++i) {
    s += (i ? "," : "") + std::to_string(t.buckets[i].first);
  }
  s += "],\"other\":[";
  for (size_t i = 0; i < t.buckets.size(); ++i) {
    s += (i ? "," : "") + std::to_string(t.buckets[i].second);
  }
  s += "]},\"alerts\":[";
  for (size_t i = 0; i < t.alerts.size(); ++i) {
    const AlertRecord& a = t.alerts[i];
    s += (i ? "," : "");
    s += "{\"n\":" + std::to_string(i + 1) + ",\"SystemAlertId\":" + JsonString(a.id) +
         ",\"AlertType\":" + JsonString(a.type) +
         ",\"AlertDisplayName\":" + JsonString(a.display_name) +
         ",\"Severity\":" + JsonString(a.severity) +
         ",\"StartTimeUtc\":" + JsonString(Time(a.start_us)) +
         ",\"EndTimeUtc\":" + JsonString(Time(a.end_us)) +
         ",\"TimeGenerated\":" + JsonString(Time(a.generated_us)) +
         ",\"AzureResourceId\":" + JsonString(a.azure_resource_id) +
         ",\"Reasons\":" + JsonString(a.reasons) + ",\"Description\":" + JsonString(a.description) +
         "}";
  }
  s += "],\"events\":[";
  for (size_t i = 0; i < t.events.size(); ++i) {
    const TimelineEvent& r = t.events[i];
    s += (i ? "," : "");
    s += "{\"time\":" + JsonString(Time(r.time_us)) + ",\"operation\":" + JsonString(r.operation) +
         ",\"outcome\":" + JsonString(r.outcome) +
         ",\"http_status\":" + std::to_string(r.http_status) + ",\"ip\":" + JsonString(r.ip) +
         ",\"vault\":" + JsonString(r.vault_id) + ",\"vault_name\":" + JsonString(r.vault_name) +
         ",\"caller\":" + JsonString(r.caller) + ",\"upn\":" + JsonString(r.upn) +
         ",\"app_id\":" + JsonString(r.app_id) + ",\"target\":" + JsonString(r.target) +
         ",\"correlation_id\":" + JsonString(r.correlation_id) +
         ",\"source\":" + JsonString(r.source) + ",\"alerts\":[";
    for (size_t j = 0; j < r.alerts.size(); ++j) {
      s += (j ? "," : "") + std::to_string(r.alerts[j] + 1);
    }
    s += "]}";
  }
  s += "]}\n";
  return s;
}

std::string RenderCsv(const Timeline& t) {
  std::string s =
      "kind,time,operation,outcome,http_status,ip,vault,caller,upn,app_id,target,correlation_id,"
      "alerts,alert_id,alert_type,severity,alert_start,alert_end,reasons\n";
  size_t next_alert = 0;
  auto alert_rows_until = [&](int64_t t_us) {
    while (next_alert < t.alerts.size() && t.alerts[next_alert].generated_us <= t_us) {
      const AlertRecord& a = t.alerts[next_alert];
      s += "alert," + CsvField(Time(a.generated_us)) + ",,,,,";
      s += CsvField(a.azure_resource_id) + ",,,,,," + std::to_string(next_alert + 1) + ",";
      s += CsvField(a.id) + "," + CsvField(a.type) + "," + CsvField(a.severity) + "," +
           CsvField(Time(a.start_us)) + "," + CsvField(Time(a.end_us)) + "," + CsvField(a.reasons) +
           "\n";
      ++next_alert;
    }
  };
  for (const TimelineEvent& r : t.events) {
    alert_rows_until(r.time_us - 1);
    std::string marks;
    for (int i : r.alerts) marks += (marks.empty() ? "" : ";") + std::to_string(i + 1);
    s += "event," + CsvField(Time(r.time_us)) + "," + CsvField(r.operation) + "," +
         CsvField(r.outcome) + "," + std::to_string(r.http_status) + "," + CsvField(r.ip) + "," +
         CsvField(r.vault_id) + "," + CsvField(r.caller) + "," + CsvField(r.upn) + "," +
         CsvField(r.app_id) + "," + CsvField(r.target) + "," + CsvField(r.correlation_id) + "," +
         marks + ",,,,,,\n";
  }
  alert_rows_until(INT64_MAX);
  return s;
}

Result<std::string> Render(const Timeline& t, const std::string& format) {
  if (format == "table") return RenderTable(t);
  if (format == "json") return RenderJson(t);
  if (format == "csv") return RenderCsv(t);
  if (format == "html") return RenderHtml(t);
  return Status::InvalidArgument("--format must be table, json, csv or html, not '" + format + "'");
}

}  // namespace vw::forensics
