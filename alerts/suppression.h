// Analyst feedback: verdicts on alerts (benign | true_positive) keyed by SystemAlertId, read from a
// JSON-lines file (embedded mode; the feedback topic carries the same lines), and AlertFilter, the
// deterministic scoped suppression a benign verdict creates. Used by the embedded `detect
// --feedback`, `vaultwatch feedback apply` (governance/) and the pipeline's detect stage
// (runtime/). See docs/feedback.md.
//
// A verdict line:
//   {"SystemAlertId":"...","verdict":"benign","time":"2026-01-20T10:00:00Z",
//    "scope":"entity","expires":"2026-02-20T00:00:00Z","analyst":"jdoe","comment":"..."}
// `time` (required) is the verdict's EVENT time: the suppression applies to alerts whose
// TimeGenerated (an event time too) is >= it and < `expires` (optional). So a replay over the
// same alerts and feedback gives the same output, whatever the wall clock.
// `scope` (benign only; default "entity"): "entity" = same AlertType, same vault and same
// accounts; "caller" = same AlertType and accounts on any vault; "vault" = same AlertType on this
// vault for any caller.
//
// Thread-safety: AlertFilter is not thread-safe (one per alert output path, like the Engine).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert_record.h"
#include "base/result.h"
#include "vw/v1/alert.pb.h"

namespace vw::alerts {

enum class VerdictKind { kBenign, kTruePositive };
enum class Scope { kEntity, kCaller, kVault };

struct Verdict {
  std::string alert_id;  // SystemAlertId
  VerdictKind kind = VerdictKind::kBenign;
  int64_t time_us = 0;     // event time of the verdict
  int64_t expires_us = 0;  // 0 = never
  Scope scope = Scope::kEntity;
  std::string analyst, comment;
};

Result<Verdict> ParseVerdict(std::string_view line);
struct VerdictReadStats {
  uint64_t lines = 0, bad = 0;
};
// Reads a verdicts file; bad lines are counted and skipped (logged by line number, never content).
Result<std::vector<Verdict>> ReadVerdicts(const std::string& path, VerdictReadStats* stats);
const char* ScopeName(Scope s);

// The key a suppression matches on, derived from the alert a benign verdict names.
std::string SuppressionKey(const AlertRecord& alert, Scope scope);

struct Suppression {
  std::string alert_type, key;  // key = SuppressionKey(alert, scope)
  Scope scope = Scope::kEntity;
  int64_t from_us = 0, until_us = 0;  // until 0 = never
  std::string source_alert_id;
  uint64_t suppressed = 0;  // alerts it suppressed so far
};

struct FilterStats {
  uint64_t seen = 0, kept = 0, suppressed = 0;
  uint64_t verdicts = 0, benign = 0, true_positive = 0;
  uint64_t unmatched_verdicts = 0;  // naming an alert the filter never saw
  std::map<std::string, uint64_t> suppressed_by_type;
};

// Decides keep/suppress for each alert on the output path. Feed it every alert (Keep) and every
// verdict (AddVerdict) in event-time order of their effect; a verdict may name an alert seen
// earlier (the usual case) or one added later via Remember(). Memory: one small entry per
// remembered alert id (bounded by `max_remembered`, oldest forgotten first) and per suppression.
class AlertFilter {
 public:
  explicit AlertFilter(size_t max_remembered = 1 << 20) : max_remembered_(max_remembered) {}
  // Makes an alert resolvable by id for later verdicts without deciding on it.
  void Remember(const AlertRecord& alert);
  // Registers a verdict: benign ones whose alert is known become suppressions.
  void AddVerdict(const Verdict& v);
  // true = publish; false = suppressed (counted). Also remembers the alert.
  bool Keep(const AlertRecord& alert);
  // The same for an alert before it is rendered (the fields IsSuppressed(v1::Alert) reads), so
  // `detect --feedback` decides without rendering and parsing each alert back.
  bool Keep(const v1::Alert& alert);
  const FilterStats& stats() const { return stats_; }
  const std::vector<Suppression>& suppressions() const { return suppressions_; }

 private:
  struct Known {
    std::string type, entity_key, caller_key, vault_key;
  };
  size_t max_remembered_;
  std::map<std::string, Known> known_;
  std::vector<std::string> known_order_;
  size_t known_head_ = 0;
  // Verdicts whose alert was not seen yet, by alert id (equal ids keep their insertion order):
  // detect --feedback adds every verdict before the first alert, so this is looked up per alert.
  std::multimap<std::string, Verdict> pending_;
  std::vector<Suppression> suppressions_;
  FilterStats stats_;
  void Resolve(const Verdict& v, const Known& k);
};

// True when `alert` falls under one of `suppressions` (AlertFilter::Keep's rule without its side
// effects: same AlertType, not the judged alert itself, TimeGenerated in [from, until), same
// scope key). The live pipeline's detect stage decides with it on the tracker's snapshot.
bool IsSuppressed(const std::vector<Suppression>& suppressions, const AlertRecord& alert);
// The same decision on an alert before it is rendered, without rendering and parsing it back: the
// fields the rule reads (AlertType, SystemAlertId, TimeGenerated, the resource id and the account
// entities' ids, lower-cased as ParseAlertJson lowers them) are carried whole by every rendering
// (Defender, OCSF, ECS; alerts_test checks that each gives the same decision).
bool IsSuppressed(const std::vector<Suppression>& suppressions, const v1::Alert& alert);

}  // namespace vw::alerts
