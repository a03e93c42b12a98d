// Internal to vw_detectors: what the detector families (detectors_vault.cc, detectors_caller.cc)
// share: event predicates, reason text helpers, baselines (daily summaries, the Poisson tail,
// recurrence of routines) and the factories of each family.
#pragma once

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/time_format.h"
#include "processors/detectors/detector.h"
#include "processors/ingest/normalize.h"
#include "state/first_seen_map.h"
#include "state/window_counter.h"

namespace vw::detect::internal {

using v1::AccessEvent;

bool IsRetrieval(v1::Operation op);  // Get, List and ListVersions of secrets, keys, certificates
bool IsKeyUse(v1::Operation op);     // a key's cryptographic operations (wrap, sign, decrypt, ...)

inline bool Success(const AccessEvent& e) { return e.outcome() == v1::OUTCOME_SUCCESS; }
inline bool Denied(const AccessEvent& e) { return e.outcome() == v1::OUTCOME_DENIED; }
inline bool IsUser(const AccessEvent& e) {
  auto t = e.caller().identity_type();
  return t == v1::IDENTITY_TYPE_USER || t == v1::IDENTITY_TYPE_USER_AND_APP ||
         (t == v1::IDENTITY_TYPE_UNKNOWN && !e.caller().upn().empty());
}
inline bool IsApp(const AccessEvent& e) {
  return e.caller().identity_type() == v1::IDENTITY_TYPE_SERVICE_PRINCIPAL;
}

inline std::string Cat(std::initializer_list<std::string_view> parts) {
  size_t n = parts.size();
  for (std::string_view p : parts) n += p.size();
  std::string s;
  s.reserve(n);
  for (std::string_view p : parts) {
    if (!s.empty()) s.push_back('|');
    s.append(p);
  }
  return s;
}

inline std::string Num(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  }
  return buf;
}

inline std::string Time(EventTime t) { return FormatRfc3339(t); }

inline std::string Outcome(const AccessEvent& e) {
  std::string s = e.result_signature().empty() ? std::string("HTTP") : e.result_signature();
  if (e.http_status() != 0) s += " (" + std::to_string(e.http_status()) + ")";
  return s;
}

inline std::string Operation(const AccessEvent& e) {
  return e.operation_name().empty() ? std::string(ingest::AzureOperationName(e.operation()))
                                    : e.operation_name();
}

struct Baseline {
  int64_t max = 0;
  double mean = 0, stddev = 0;
  int days = 0;  // buckets in the baseline
};

inline Baseline Summarise(const std::vector<int64_t>& v) {
  Baseline b;
  b.days = static_cast<int>(v.size());
  if (v.empty()) return b;
  double sum = 0;
  for (int64_t x : v) {
    b.max = std::max(b.max, x);
    sum += static_cast<double>(x);
  }
  b.mean = sum / static_cast<double>(v.size());
  double var = 0;
  for (int64_t x : v) var += (static_cast<double>(x) - b.mean) * (static_cast<double>(x) - b.mean);
  b.stddev = std::sqrt(var / static_cast<double>(v.size()));
  return b;
}

inline Finding MakeFinding(std::string type, std::string entity, const AccessEvent& e,
                           EventTime start, EventTime end) {
  Finding f;
  f.type = std::move(type);
  f.entity_key = std::move(entity);
  f.event = &e;
  f.start = start;
  f.end = end;
  f.evidence.emplace_back("Caller", CallerDisplay(e));
  if (!e.caller().ip_text().empty())
    f.evidence.emplace_back("Client IP Address", e.caller().ip_text());
  f.evidence.emplace_back("Vault", e.vault_name());
  if (!e.correlation_id().empty())
    f.evidence.emplace_back("Sample Correlation Id", e.correlation_id());
  return f;
}

// Combines EventDigest hashes (and small integers) under a namespace seed.
inline uint64_t MixHashes(uint64_t seed, std::initializer_list<uint64_t> hashes) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  uint64_t h = seed;
  for (uint64_t x : hashes) {
    h = (h ^ x) * kMul;
    h ^= h >> 29;
  }
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  return h;
}

// FirstSeenMap::Touch of the key Cat(parts), skipped when that key was touched earlier in the
// same hour (see KeyState::TouchedThisHour); `skipped` tells the caller which happened. The key is
// identified in the hour's set by `hashes` (EventDigest fields of `parts`, in the same order); its
// string is only built (into *key) when the store is touched.
inline state::Sighting TouchHourly(state::FirstSeenMap& map, uint64_t ns_seed,
                                   std::initializer_list<uint64_t> hashes,
                                   std::initializer_list<std::string_view> parts,
                                   DetectorContext& ctx, bool* skipped, std::string* key) {
  *skipped = ctx.ks.TouchedThisHour(MixHashes(ns_seed, hashes), ctx.now.micros());
  if (*skipped) return state::Sighting{false, ctx.now, ctx.now};
  *key = Cat(parts);
  return map.Touch(*key, ctx.now);
}

// Seeds of the touched namespaces, so equal parts in two namespaces differ.
inline constexpr uint64_t kSeedOperationSeen = 0x6f702e7365656e31ULL;
inline constexpr uint64_t kSeedVaultPair = 0x76732e7061697231ULL;
inline constexpr uint64_t kSeedRareName = 0x72732e6e616d6531ULL;
inline constexpr uint64_t kSeedExternal = 0x75692e6578743131ULL;
inline constexpr uint64_t kSeedUserApp = 0x75612e6170703131ULL;

inline constexpr int64_t kHourUs = 3600LL * 1000000;
inline constexpr int64_t kDayUs = 24 * kHourUs;
inline constexpr uint64_t kSeedRoutine = 0x72742e6461793131ULL;
inline constexpr uint64_t kSeedOwnWrite = 0x6f772e7772697431ULL;

// The smallest count k with P(X >= k) <= p for X ~ Poisson(lambda): an hour (or day) with k or
// more operations is that unlikely under the entity's own rate. Exact summation up to lambda
// 500, the normal approximation (with continuity correction) above.
int64_t PoissonTailThreshold(double lambda, double p);

// How often a caller did one kind of thing (a class of sensitive operation, a policy flip, a
// policy-change-then-read) on one vault: a daily WindowCounter over the baseline days, so the
// state per (caller, vault, class) is at most baseline_days + 1 small counters. Record() is for
// the ordered (canonical) run only; DaysBefore() only reads, so it may run on arrival.
class RoutineBaseline {
 public:
  RoutineBaseline(state::StateStore* store, std::string ns, int64_t baseline_days)
      : days_(baseline_days),
        counter_(store, std::move(ns), Duration::Days(1), static_cast<int>(baseline_days + 1)) {}
  // Distinct days of [today - baseline_days, today) on which `key` was recorded.
  int DaysBefore(std::string_view key, EventTime now);
  void Record(std::string_view key, EventTime now) { (void)counter_.Add(key, now); }
  int64_t days() const { return days_; }

 private:
  int64_t days_;
  state::WindowCounter counter_;
};

// A probability for people: "1e-06".
inline std::string PValue(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", p);
  return buf;
}

// How a routine baseline was broken, after "this caller ": "never backed up objects of this vault
// in the last 14 days" / "backed up objects of this vault on only 1 of the last 14 days (a routine
// recurs on at least 2)".
std::string RoutineWords(std::string_view did, int days, int64_t baseline_days, int64_t min_days);

// Objects a caller created or set itself (SecretSet, restore, KeyCreate, import, ...): reading
// one back is neither rare nor an intrusion. Shared by the by-caller detectors.
bool IsOwnWrite(v1::Operation op);
std::string OwnWriteKey(std::string_view caller, const AccessEvent& e);

inline bool AnyEnabled(const DetectConfig& c, std::initializer_list<const char*> types) {
  for (const char* t : types) {
    if (c.IsEnabled(t)) return true;
  }
  return false;
}

void AddVaultDetectors(const DetectConfig& c, state::StateStore* store,
                       std::vector<std::unique_ptr<Detector>>* out);
void AddCallerDetectors(const DetectConfig& c, state::StateStore* store,
                        std::vector<std::unique_ptr<Detector>>* out);

}  // namespace vw::detect::internal
