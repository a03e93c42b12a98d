#include "alerts/suppression.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "base/ascii.h"
#include "base/logging.h"
#include "base/time_format.h"

namespace vw::alerts {
namespace {

std::string CallerPart(const AlertRecord& a) {
  std::vector<std::string> acc = a.accounts;
  std::sort(acc.begin(), acc.end());
  acc.erase(std::unique(acc.begin(), acc.end()), acc.end());
  std::string s;
  for (const std::string& x : acc) {
    if (!s.empty()) s += ",";
    s += x;
  }
  return s;
}

}  // namespace

const char* ScopeName(Scope s) {
  switch (s) {
    case Scope::kEntity:
      return "entity";
    case Scope::kCaller:
      return "caller";
    case Scope::kVault:
      return "vault";
  }
  return "entity";
}

std::string SuppressionKey(const AlertRecord& a, Scope scope) {
  switch (scope) {
    case Scope::kVault:
      return a.azure_resource_id;
    case Scope::kCaller:
      return CallerPart(a);
    case Scope::kEntity:
      break;
  }
  return a.azure_resource_id + "|" + CallerPart(a);
}

Result<Verdict> ParseVerdict(std::string_view line) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) {
    return Status::InvalidArgument("verdict: not JSON");
  }
  auto str = [&](const char* k) -> std::string {
    std::string_view v;
    return doc[k].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  Verdict v;
  v.alert_id = str("SystemAlertId");
  if (v.alert_id.empty()) return Status::InvalidArgument("verdict: 'SystemAlertId' missing");
  const std::string kind = str("verdict");
  if (kind == "benign") {
    v.kind = VerdictKind::kBenign;
  } else if (kind == "true_positive") {
    v.kind = VerdictKind::kTruePositive;
  } else {
    return Status::InvalidArgument("verdict: 'verdict' must be benign or true_positive");
  }
  const std::string time = str("time");
  if (time.empty()) return Status::InvalidArgument("verdict: 'time' missing");
  VW_ASSIGN_OR_RETURN(EventTime t, ParseRfc3339(time));
  v.time_us = t.micros();
  const std::string expires = str("expires");
  if (!expires.empty()) {
    VW_ASSIGN_OR_RETURN(EventTime e, ParseRfc3339(expires));
    v.expires_us = e.micros();
    if (v.expires_us <= v.time_us) {
      return Status::InvalidArgument("verdict: 'expires' must be after 'time'");
    }
  }
  const std::string scope = str("scope");
  if (scope.empty() || scope == "entity") {
    v.scope = Scope::kEntity;
  } else if (scope == "caller") {
    v.scope = Scope::kCaller;
  } else if (scope == "vault") {
    v.scope = Scope::kVault;
  } else {
    return Status::InvalidArgument("verdict: 'scope' must be entity, caller or vault");
  }
  v.analyst = str("analyst");
  v.comment = str("comment");
  return v;
}

Result<std::vector<Verdict>> ReadVerdicts(const std::string& path, VerdictReadStats* stats) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot open");
  std::vector<Verdict> out;
  std::string line;
  VerdictReadStats local;
  VerdictReadStats& s = stats != nullptr ? *stats : local;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++s.lines;
    Result<Verdict> v = ParseVerdict(line);
    if (!v.ok()) {
      ++s.bad;
      VW_LOG(Warn, "bad verdict line")
          .Field("file", path)
          .Field("line", static_cast<int64_t>(s.lines))
          .Field("reason", v.status().message());
      continue;
    }
    out.push_back(std::move(*v));
  }
  // Event-time order (stable: equal times keep file order), so the result does not depend on
  // how the file was appended.
  std::stable_sort(out.begin(), out.end(),
                   [](const Verdict& a, const Verdict& b) { return a.time_us < b.time_us; });
  return out;
}

void AlertFilter::Remember(const AlertRecord& a) {
  if (known_.count(a.id) != 0) return;
  const Known k{a.type, SuppressionKey(a, Scope::kEntity), SuppressionKey(a, Scope::kCaller),
                SuppressionKey(a, Scope::kVault)};
  known_[a.id] = k;
  known_order_.push_back(a.id);
  while (known_.size() > max_remembered_ && known_head_ < known_order_.size()) {
    known_.erase(known_order_[known_head_++]);
  }
  if (known_head_ > 4096 && known_head_ * 2 > known_order_.size()) {
    known_order_.erase(known_order_.begin(),
                       known_order_.begin() + static_cast<std::ptrdiff_t>(known_head_));
    known_head_ = 0;
  }
  // Verdicts that arrived before their alert.
  auto [first, last] = pending_.equal_range(a.id);
  if (first == last) return;
  std::vector<Verdict> ready;
  for (auto it = first; it != last; ++it) ready.push_back(std::move(it->second));
  pending_.erase(first, last);
  for (const Verdict& v : ready) {
    --stats_.unmatched_verdicts;
    Resolve(v, k);
  }
}

void AlertFilter::Resolve(const Verdict& v, const Known& k) {
  if (v.kind != VerdictKind::kBenign) return;
  Suppression s;
  s.alert_type = k.type;
  s.scope = v.scope;
  s.key = v.scope == Scope::kEntity ? k.entity_key
                                    : (v.scope == Scope::kCaller ? k.caller_key : k.vault_key);
  s.from_us = v.time_us;
  s.until_us = v.expires_us;
  s.source_alert_id = v.alert_id;
  suppressions_.push_back(std::move(s));
}

void AlertFilter::AddVerdict(const Verdict& v) {
  ++stats_.verdicts;
  if (v.kind == VerdictKind::kBenign) {
    ++stats_.benign;
  } else {
    ++stats_.true_positive;
  }
  auto it = known_.find(v.alert_id);
  if (it == known_.end()) {
    ++stats_.unmatched_verdicts;
    pending_.emplace(v.alert_id, v);
    return;
  }
  Resolve(v, it->second);
}

bool AlertFilter::Keep(const AlertRecord& a) {
  Remember(a);
  ++stats_.seen;
  for (Suppression& s : suppressions_) {
    if (s.alert_type != a.type || s.source_alert_id == a.id) continue;
    if (a.generated_us < s.from_us || (s.until_us != 0 && a.generated_us >= s.until_us)) continue;
    if (SuppressionKey(a, s.scope) != s.key) continue;
    ++s.suppressed;
    ++stats_.suppressed;
    ++stats_.suppressed_by_type[a.type];
    return false;
  }
  ++stats_.kept;
  return true;
}

namespace {

// What the suppression rule reads of an alert, as ParseAlertJson reads it from any rendering.
AlertRecord SuppressionFields(const v1::Alert& alert) {
  AlertRecord a;
  a.id = alert.system_alert_id();
  a.type = alert.alert_type();
  a.generated_us = alert.generated_time_us();
  a.azure_resource_id = AsciiLower(alert.azure_resource_id());
  for (const v1::AlertEntity& e : alert.entities()) {
    if (e.type() != "account") continue;
    for (const std::string* v : {&e.aad_user_id(), &e.app_id(), &e.upn()}) {
      if (!v->empty()) a.accounts.push_back(AsciiLower(*v));
    }
  }
  return a;
}

}  // namespace

bool AlertFilter::Keep(const v1::Alert& alert) { return Keep(SuppressionFields(alert)); }

bool IsSuppressed(const std::vector<Suppression>& suppressions, const AlertRecord& a) {
  for (const Suppression& s : suppressions) {
    if (s.alert_type != a.type || s.source_alert_id == a.id) continue;
    if (a.generated_us < s.from_us || (s.until_us != 0 && a.generated_us >= s.until_us)) continue;
    if (SuppressionKey(a, s.scope) == s.key) return true;
  }
  return false;
}

bool IsSuppressed(const std::vector<Suppression>& suppressions, const v1::Alert& alert) {
  if (suppressions.empty()) return false;
  return IsSuppressed(suppressions, SuppressionFields(alert));
}

}  // namespace vw::alerts
