#include "generator/scorer.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "base/ascii.h"
#include "base/time_format.h"

namespace vw::gen {
namespace {

constexpr int64_t kMin = 60LL * 1000000;
constexpr int64_t kDay = 24 * 60 * kMin;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Calls fn(line_number, line) for each non-blank line.
template <typename Fn>
Status ForEachLine(const std::string& text, Fn fn) {
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    ++line_no;
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    VW_RETURN_IF_ERROR(fn(line_no, line));
  }
  return Status::OK();
}

std::string StringField(simdjson::dom::object o, const char* key) {
  std::string_view v;
  if (o[key].get_string().get(v) != simdjson::SUCCESS) return "";
  return std::string(v);
}

}  // namespace

Result<std::vector<AlertRecord>> LoadAlerts(const std::string& path) {
  VW_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::vector<AlertRecord> out;
  simdjson::dom::parser parser;
  Status st = ForEachLine(text, [&](size_t line_no, std::string_view line) -> Status {
    auto where = [&](const std::string& what) {
      return Status::InvalidArgument(path + ":" + std::to_string(line_no) + ": " + what);
    };
    simdjson::dom::element doc;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS)
      return where("not valid JSON");
    simdjson::dom::object o;
    if (doc.get_object().get(o) != simdjson::SUCCESS) return where("not a JSON object");
    AlertRecord a;
    a.id = StringField(o, "SystemAlertId");
    a.type = StringField(o, "AlertType");
    if (a.id.empty() || a.type.empty()) return where("SystemAlertId or AlertType missing");
    a.resource = AsciiLower(StringField(o, "AzureResourceId"));
    auto start = ParseRfc3339(StringField(o, "StartTimeUtc"));
    auto end = ParseRfc3339(StringField(o, "EndTimeUtc"));
    if (!start.ok()) return where("bad StartTimeUtc: " + start.status().message());
    if (!end.ok()) return where("bad EndTimeUtc: " + end.status().message());
    a.start = *start;
    a.end = *end;
    simdjson::dom::array entities;
    if (o["Entities"].get_array().get(entities) == simdjson::SUCCESS) {
      for (simdjson::dom::element e : entities) {
        simdjson::dom::object eo;
        if (e.get_object().get(eo) != simdjson::SUCCESS) continue;
        std::string type = StringField(eo, "Type");
        if (type == "account") {
          for (const char* k : {"AadUserId", "AppId"}) {
            std::string v = AsciiLower(StringField(eo, k));
            if (!v.empty()) a.accounts.push_back(v);
          }
        } else if (type == "ip") {
          std::string v = StringField(eo, "Address");
          if (!v.empty()) a.ips.push_back(v);
        }
      }
    }
    out.push_back(std::move(a));
    return Status::OK();
  });
  VW_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<Label>> LoadLabels(const std::string& path) {
  VW_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::vector<Label> out;
  simdjson::dom::parser parser;
  Status st = ForEachLine(text, [&](size_t line_no, std::string_view line) -> Status {
    auto where = [&](const std::string& what) {
      return Status::InvalidArgument(path + ":" + std::to_string(line_no) + ": " + what);
    };
    simdjson::dom::element doc;
    simdjson::dom::object o;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(o) != simdjson::SUCCESS) {
      return where("not a JSON object");
    }
    Label l;
    l.scenario = StringField(o, "scenario");
    l.alert_type = StringField(o, "AlertType");
    l.role = StringField(o, "role");
    if (l.role.empty()) l.role = "primary";
    if (l.role != "primary" && l.role != "incidental")
      return where("role must be primary or incidental");
    l.vault = AsciiLower(StringField(o, "vault"));
    l.caller = AsciiLower(StringField(o, "caller"));
    l.ip = StringField(o, "ip");
    if (l.alert_type.empty()) return where("AlertType missing");
    auto start = ParseRfc3339(StringField(o, "start"));
    auto end = ParseRfc3339(StringField(o, "end"));
    if (!start.ok() || !end.ok()) return where("bad start or end time");
    l.start = *start;
    l.end = *end;
    out.push_back(std::move(l));
    return Status::OK();
  });
  VW_RETURN_IF_ERROR(st);
  return out;
}

Result<int64_t> LoadBenignEvents(const std::string& summary_path) {
  VW_ASSIGN_OR_RETURN(std::string text, ReadFile(summary_path));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  int64_t n = 0;
  if (parser.parse(text).get(doc) != simdjson::SUCCESS ||
      doc["events_benign"].get_int64().get(n) != simdjson::SUCCESS) {
    return Status::InvalidArgument(summary_path + ": no integer events_benign");
  }
  return n;
}

bool AlertMatchesLabel(const AlertRecord& a, const Label& l) {
  if (a.type != l.alert_type) return false;
  if (a.start.micros() > l.end.micros() + kDay) return false;
  if (a.end.micros() < l.start.micros() - 10 * kMin) return false;
  if (!l.vault.empty() && a.resource != l.vault) return false;
  if (!l.caller.empty() &&
      std::find(a.accounts.begin(), a.accounts.end(), l.caller) == a.accounts.end()) {
    return false;
  }
  if (!l.ip.empty() && std::find(a.ips.begin(), a.ips.end(), l.ip) == a.ips.end()) return false;
  return true;
}

ScoreReport Score(const std::vector<AlertRecord>& alerts, const std::vector<Label>& labels,
                  const ScoreOptions& options) {
  ScoreReport r;
  std::unordered_map<std::string, int> seen;
  std::vector<const AlertRecord*> distinct;
  for (const AlertRecord& a : alerts) {
    if (++seen[a.id] == 2) r.duplicate_ids.push_back(a.id);
    if (seen[a.id] == 1) {
      distinct.push_back(&a);
    } else {
      ++r.duplicates;
    }
  }
  std::vector<bool> detected(labels.size(), false);
  // Scenario instance of each label, and its kind (the id without the "-N" instance suffix).
  std::map<std::string, std::set<const AlertRecord*>> instance_alerts;
  std::map<std::string, std::string> instance_kind;
  for (const Label& l : labels) {
    std::string kind = l.scenario;
    size_t dash = kind.rfind('-');
    if (dash != std::string::npos && dash + 1 < kind.size() &&
        kind.find_first_not_of("0123456789", dash + 1) == std::string::npos) {
      kind.resize(dash);
    }
    instance_kind[l.scenario] = kind;
    instance_alerts[l.scenario];
    if (l.role == "primary") r.by_attack[kind].alert_type = l.alert_type;
  }
  for (const Label& l : labels) {
    if (l.role == "primary") {
      ++r.by_type[l.alert_type].labels;
      ++r.labels;
    }
  }
  for (const AlertRecord* a : distinct) {
    TypeScore& ts = r.by_type[a->type];
    ++ts.alerts;
    ++r.alerts;
    bool primary = false, incidental = false;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (!AlertMatchesLabel(*a, labels[i])) continue;
      instance_alerts[labels[i].scenario].insert(a);
      if (labels[i].role == "primary") {
        primary = true;
        detected[i] = true;
      } else {
        incidental = true;
      }
    }
    if (primary) {
      ++ts.matched;
    } else if (incidental) {
      ++ts.incidental;
      ++r.incidental;
    } else {
      ++ts.false_positives;
      ++r.false_positives;
    }
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].role != "primary") continue;
    if (detected[i]) {
      ++r.by_type[labels[i].alert_type].detected;
      ++r.detected;
    } else {
      r.missed.push_back(labels[i].scenario + " (" + labels[i].alert_type + ")");
    }
  }
  for (const auto& [instance, matched] : instance_alerts) {
    AttackAlerts& aa = r.by_attack[instance_kind[instance]];
    ++aa.attacks;
    aa.alerts += static_cast<int>(matched.size());
    aa.max_alerts = std::max(aa.max_alerts, static_cast<int>(matched.size()));
  }
  r.benign_events = options.benign_events;
  if (r.benign_events > 0) {
    r.fp_per_million =
        static_cast<double>(r.false_positives) * 1e6 / static_cast<double>(r.benign_events);
  }
  char buf[256];
  if (options.min_recall >= 0) {
    for (const auto& [type, ts] : r.by_type) {
      if (ts.labels == 0) continue;
      double recall = static_cast<double>(ts.detected) / ts.labels;
      if (recall < options.min_recall) {
        std::snprintf(buf, sizeof buf, "recall of %s is %.2f, below %.2f", type.c_str(), recall,
                      options.min_recall);
        r.failures.emplace_back(buf);
      }
    }
  }
  if (options.max_fp_per_million >= 0) {
    if (r.benign_events <= 0) {
      r.failures.emplace_back(
          "false positives per million cannot be checked: benign event count unknown "
          "(pass --events or the generator's summary)");
    } else if (r.fp_per_million > options.max_fp_per_million) {
      std::snprintf(buf, sizeof buf, "%.2f false positives per million benign events, above %.2f",
                    r.fp_per_million, options.max_fp_per_million);
      r.failures.emplace_back(buf);
    }
  }
  if (options.max_duplicates >= 0 && r.duplicates > options.max_duplicates) {
    r.failures.push_back(std::to_string(r.duplicates) +
                         " duplicate alert(s) (same SystemAlertId), above " +
                         std::to_string(options.max_duplicates));
  }
  return r;
}

std::string FormatReport(const ScoreReport& r) {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-38s %7s %9s %7s %7s %11s %6s\n", "AlertType", "labels",
                "detected", "recall", "alerts", "incidental", "FP");
  out += buf;
  for (const auto& [type, ts] : r.by_type) {
    std::string recall = ts.labels ? std::to_string(ts.detected * 100 / ts.labels) + "%" : "-";
    std::snprintf(buf, sizeof buf, "%-38s %7d %9d %7s %7d %11d %6d\n", type.c_str(), ts.labels,
                  ts.detected, recall.c_str(), ts.alerts, ts.incidental, ts.false_positives);
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
                "total: %d/%d labelled scenarios detected (recall %.2f); %lld distinct alerts, "
                "%lld incidental, %lld false positives\n",
                r.detected, r.labels, r.labels ? static_cast<double>(r.detected) / r.labels : 0.0,
                static_cast<long long>(r.alerts), static_cast<long long>(r.incidental),
                static_cast<long long>(r.false_positives));
  out += buf;
  if (r.benign_events > 0) {
    std::snprintf(buf, sizeof buf,
                  "false positives per million benign events: %.2f (%lld benign events)\n",
                  r.fp_per_million, static_cast<long long>(r.benign_events));
  } else {
    std::snprintf(buf, sizeof buf,
                  "false positives per million benign events: unknown (no event count)\n");
  }
  out += buf;
  if (!r.by_attack.empty()) {
    int attacks = 0, matched = 0;
    out += "alerts per labelled attack (alert fatigue):\n";
    std::snprintf(buf, sizeof buf, "  %-18s %-38s %7s %7s %9s %5s\n", "scenario", "AlertType",
                  "attacks", "alerts", "per-attack", "max");
    out += buf;
    for (const auto& [kind, aa] : r.by_attack) {
      attacks += aa.attacks;
      matched += aa.alerts;
      std::snprintf(buf, sizeof buf, "  %-18s %-38s %7d %7d %9.1f %5d\n", kind.c_str(),
                    aa.alert_type.c_str(), aa.attacks, aa.alerts,
                    aa.attacks ? static_cast<double>(aa.alerts) / aa.attacks : 0.0, aa.max_alerts);
      out += buf;
    }
    std::snprintf(buf, sizeof buf, "  all: %d attacks, %d alerts, %.2f alerts per attack\n",
                  attacks, matched, attacks ? static_cast<double>(matched) / attacks : 0.0);
    out += buf;
  }
  out += "duplicate SystemAlertIds: " + std::to_string(r.duplicates);
  for (size_t i = 0; i < r.duplicate_ids.size() && i < 5; ++i)
    out += (i ? ", " : " (") + r.duplicate_ids[i];
  if (!r.duplicate_ids.empty()) out += r.duplicate_ids.size() > 5 ? ", ...)" : ")";
  out += "\n";
  if (!r.missed.empty()) {
    out += "missed:";
    for (const std::string& m : r.missed) out += " " + m;
    out += "\n";
  }
  for (const std::string& f : r.failures) out += "FAIL: " + f + "\n";
  if (r.failures.empty()) out += "PASS\n";
  return out;
}

}  // namespace vw::gen
