// The detection catalogue (DESIGN.md section 6): one Detector per family of AlertTypes.
// Every detector reads events of one key in canonical event-time order (see engine.h), so its
// decisions depend only on event time and the key's history, never on delivery order.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

#include "base/hash.h"
#include "base/time_format.h"
#include "processors/detectors/detector.h"
#include "processors/ingest/ingest.h"
#include "state/distinct_counter.h"
#include "state/first_seen_map.h"
#include "state/sequence_tracker.h"
#include "state/window_counter.h"

namespace vw::detect {

using v1::AccessEvent;

bool IsRead(v1::Operation op) {
  return op == v1::OP_SECRET_GET || op == v1::OP_KEY_GET || op == v1::OP_CERTIFICATE_GET;
}

bool IsList(v1::Operation op) {
  return op == v1::OP_SECRET_LIST || op == v1::OP_KEY_LIST || op == v1::OP_CERTIFICATE_LIST;
}

bool IsRetrieval(v1::Operation op) {
  switch (op) {
    case v1::OP_SECRET_GET:
    case v1::OP_SECRET_LIST:
    case v1::OP_SECRET_LIST_VERSIONS:
    case v1::OP_KEY_GET:
    case v1::OP_KEY_LIST:
    case v1::OP_KEY_LIST_VERSIONS:
    case v1::OP_CERTIFICATE_GET:
    case v1::OP_CERTIFICATE_LIST:
    case v1::OP_CERTIFICATE_LIST_VERSIONS:
      return true;
    default:
      return false;
  }
}

bool IsSensitive(v1::Operation op) {
  switch (op) {
    case v1::OP_VAULT_DELETE:
    case v1::OP_VAULT_PURGE:
    case v1::OP_SECRET_DELETE:
    case v1::OP_SECRET_PURGE:
    case v1::OP_SECRET_BACKUP:
    case v1::OP_KEY_DELETE:
    case v1::OP_KEY_PURGE:
    case v1::OP_KEY_BACKUP:
    case v1::OP_CERTIFICATE_DELETE:
    case v1::OP_CERTIFICATE_PURGE:
    case v1::OP_CERTIFICATE_BACKUP:
    case v1::OP_HSM_BACKUP_CREATE:
      return true;
    default:
      return false;
  }
}

bool IsPolicyChange(v1::Operation op) { return op == v1::OP_VAULT_PUT || op == v1::OP_VAULT_PATCH; }

std::string_view OperationView(const AccessEvent& e) {
  if (!e.operation_name().empty()) return e.operation_name();
  return v1::Operation_Name(e.operation());
}

std::string CallerDisplay(const AccessEvent& e) {
  const v1::Caller& c = e.caller();
  if (!c.upn().empty()) return c.upn();
  if (!c.object_id().empty()) return c.object_id();
  if (!c.app_id().empty()) return "app " + c.app_id();
  return c.ip_text().empty() ? std::string("an unidentified caller") : c.ip_text();
}

namespace {

bool Success(const AccessEvent& e) { return e.outcome() == v1::OUTCOME_SUCCESS; }
bool Denied(const AccessEvent& e) { return e.outcome() == v1::OUTCOME_DENIED; }
bool IsUser(const AccessEvent& e) {
  auto t = e.caller().identity_type();
  return t == v1::IDENTITY_TYPE_USER || t == v1::IDENTITY_TYPE_USER_AND_APP ||
         (t == v1::IDENTITY_TYPE_UNKNOWN && !e.caller().upn().empty());
}
bool IsApp(const AccessEvent& e) {
  return e.caller().identity_type() == v1::IDENTITY_TYPE_SERVICE_PRINCIPAL;
}

std::string Cat(std::initializer_list<std::string_view> parts) {
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

std::string Num(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  }
  return buf;
}

std::string Time(EventTime t) { return FormatRfc3339(t); }

std::string Outcome(const AccessEvent& e) {
  std::string s = e.result_signature().empty() ? std::string("HTTP") : e.result_signature();
  if (e.http_status() != 0) s += " (" + std::to_string(e.http_status()) + ")";
  return s;
}

std::string Operation(const AccessEvent& e) {
  return e.operation_name().empty() ? v1::Operation_Name(e.operation()) : e.operation_name();
}

struct Baseline {
  int64_t max = 0;
  double mean = 0, stddev = 0;
  int days = 0;  // buckets in the baseline
};

Baseline Summarise(const std::vector<int64_t>& v) {
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

Finding MakeFinding(std::string type, std::string entity, const AccessEvent& e, EventTime start,
                    EventTime end) {
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
uint64_t MixHashes(uint64_t seed, std::initializer_list<uint64_t> hashes) {
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
state::Sighting TouchHourly(state::FirstSeenMap& map, uint64_t ns_seed,
                            std::initializer_list<uint64_t> hashes,
                            std::initializer_list<std::string_view> parts, DetectorContext& ctx,
                            bool* skipped, std::string* key) {
  *skipped = ctx.ks.TouchedThisHour(MixHashes(ns_seed, hashes), ctx.now.micros());
  if (*skipped) return state::Sighting{false, ctx.now, ctx.now};
  *key = Cat(parts);
  return map.Touch(*key, ctx.now);
}

}  // namespace

// EventDigest's fields. Never persisted as such; their combinations (MixHashes) are kept only in
// KeyState::touched, an hour-scoped set that any change of hash merely refills.
uint64_t HashString(std::string_view s) { return HashBytes(s); }

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

namespace {

// Seeds of the touched namespaces, so equal parts in two namespaces differ.
constexpr uint64_t kSeedOperationSeen = 0x6f702e7365656e31ULL;
constexpr uint64_t kSeedVaultPair = 0x76732e7061697231ULL;
constexpr uint64_t kSeedRareName = 0x72732e6e616d6531ULL;
constexpr uint64_t kSeedExternal = 0x75692e6578743131ULL;
constexpr uint64_t kSeedUserApp = 0x75612e6170703131ULL;

constexpr int64_t kHourUs = 3600LL * 1000000;
constexpr int64_t kDayUs = 24 * kHourUs;

// ---------------------------------------------------------------------------------------------
// By vault.

// KV_SuspiciousIPAccess, KV_SuspiciousIPAccessDenied, KV_TORAccess: the caller's address is on a
// threat-intel list. Stateless but for suppression (one alert per vault and address per window).
class ThreatIntelDetector final : public Detector {
 public:
  bool DecidesOnArrival() const override { return true; }
  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!ctx.facts.has_ip || (!ctx.facts.tor && !ctx.facts.suspicious)) return;
    const std::string entity = Cat({ctx.key, e.caller().ip_text()});
    if (ctx.facts.tor) {
      Fire(e, ctx, "KV_TORAccess", entity, "a TOR exit node (tor-exit-nodes.txt)");
    }
    if (ctx.facts.suspicious) {
      if (Success(e)) {
        Fire(e, ctx, "KV_SuspiciousIPAccess", entity,
             "an address on the suspicious-IP threat-intel list (suspicious-ips.txt)");
      } else if (Denied(e)) {
        Fire(e, ctx, "KV_SuspiciousIPAccessDenied", entity,
             "an address on the suspicious-IP threat-intel list (suspicious-ips.txt)");
      }
    }
  }

 private:
  void Fire(const AccessEvent& e, DetectorContext& ctx, const std::string& type,
            const std::string& entity, std::string_view list) {
    if (!ctx.emitter.Claim(type, entity, ctx.now)) return;
    Finding f = MakeFinding(type, entity, e, ctx.now, ctx.now);
    f.reasons = "The vault was accessed (" + Operation(e) + ", " + Outcome(e) + ") by " +
                CallerDisplay(e) + " from " + e.caller().ip_text() + ", " + std::string(list) +
                ". Legitimate workloads of this tenant are not expected to use such addresses.";
    f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + ":1]");
    f.evidence.emplace_back("Threat Intel Source", std::string(list));
    ctx.emitter.Emit(std::move(f));
  }
};

// KV_SensitiveOperation: a successful delete, purge or backup of the vault or an object in it.
class SensitiveOperationDetector final : public Detector {
 public:
  bool DecidesOnArrival() const override { return true; }
  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e) || !IsSensitive(e.operation())) return;
    std::string caller = e.caller().object_id().empty() ? CallerDisplay(e) : e.caller().object_id();
    std::string entity = Cat({ctx.key, caller});
    if (!ctx.emitter.Claim("KV_SensitiveOperation", entity, ctx.now)) return;
    Finding f = MakeFinding("KV_SensitiveOperation", entity, e, ctx.now, ctx.now);
    std::string target =
        e.target_name().empty() ? std::string("the vault") : "'" + e.target_name() + "'";
    f.reasons = CallerDisplay(e) + " performed " + Operation(e) + " on " + target +
                ". Deletes, purges and backups of vault objects can destroy secrets or move them "
                "out of the vault; they are not part of this tenant's normal traffic.";
    f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + ":1]");
    if (!e.target_name().empty()) f.evidence.emplace_back("Object Name", e.target_name());
    ctx.emitter.Emit(std::move(f));
  }
};

// KV_OperationVolumeAnomaly: a vault's operations in one hour far above the same hour of day in
// its baseline (seasonal: nights and weekends are quieter). The open hour is counted in KeyState
// and added to the hourly WindowCounter when it closes, so an event costs no store access.
class OperationVolumeDetector final : public Detector {
 public:
  OperationVolumeDetector(const DetectConfig& c, state::StateStore* store)
      : hourly_(store, "ov", Duration::Hours(1), static_cast<int>(24 * (c.baseline_days + 1))) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    KeyState& ks = ctx.ks;
    int64_t hour = ctx.now.FloorTo(Duration::Hours(1)).micros();
    if (hour != ks.hour_start) {
      if (ks.hour_start != INT64_MIN && ks.hour_count > 0) {
        (void)hourly_.Add(ctx.key, EventTime::FromMicros(ks.hour_start), ks.hour_count);
      }
      ks.hour_start = hour;
      ks.hour_count = 0;
      ks.hour_threshold = -1;
    }
    ++ks.hour_count;
    const DetectConfig& c = ctx.config;
    if (ks.hour_count < c.op_volume_min_count) return;
    if (ks.hour_threshold < 0) {
      if (!ctx.Learned()) {
        ks.hour_threshold = INT64_MAX;
      } else {
        base_ = Summarise(hourly_.SamePhase(ctx.key, ctx.now, Duration::Days(1),
                                            static_cast<int>(c.baseline_days)));
        double t = std::max({static_cast<double>(c.op_volume_min_count),
                             c.op_volume_ratio * static_cast<double>(base_.max),
                             base_.mean + c.op_volume_zscore * base_.stddev});
        ks.hour_threshold = static_cast<int64_t>(std::ceil(t));
        ks_max_ = base_.max;
        ks_mean_ = base_.mean;
      }
    }
    if (ks.hour_count < ks.hour_threshold) return;
    if (!ctx.emitter.Claim("KV_OperationVolumeAnomaly", ctx.key, ctx.now)) return;
    Baseline b = Summarise(
        hourly_.SamePhase(ctx.key, ctx.now, Duration::Days(1), static_cast<int>(c.baseline_days)));
    Finding f = MakeFinding("KV_OperationVolumeAnomaly", std::string(ctx.key), e,
                            EventTime::FromMicros(ks.hour_start), ctx.now);
    f.reasons = "The vault received " + Num(static_cast<double>(ks.hour_count)) +
                " operations since " + Time(EventTime::FromMicros(ks.hour_start)) +
                "; in the same hour of day over its last " + Num(static_cast<double>(b.days)) +
                " days it received at most " + Num(static_cast<double>(b.max)) + " (mean " +
                Num(b.mean) + ").";
    f.evidence.emplace_back("Operations In Hour", Num(static_cast<double>(ks.hour_count)));
    f.evidence.emplace_back("Baseline Max Same Hour", Num(static_cast<double>(b.max)));
    f.evidence.emplace_back("Baseline Mean Same Hour", Num(b.mean));
    f.evidence.emplace_back("Threshold", Num(static_cast<double>(ks.hour_threshold)));
    f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + "]");
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::WindowCounter hourly_;
  Baseline base_;
  int64_t ks_max_ = 0;
  double ks_mean_ = 0;
};

// KV_AccessTimeSeriesAnomaly: a vault's successful reads in a UTC day far above its daily trend.
class TimeSeriesDetector final : public Detector {
 public:
  TimeSeriesDetector(const DetectConfig& c, state::StateStore* store)
      : daily_(store, "ts", Duration::Days(1), static_cast<int>(c.baseline_days + 1)) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e) || !IsRead(e.operation())) return;
    KeyState& ks = ctx.ks;
    const DetectConfig& c = ctx.config;
    int64_t day = ctx.now.FloorTo(Duration::Days(1)).micros();
    if (day != ks.day_start) {
      if (ks.day_start != INT64_MIN && ks.day_reads > 0) {
        (void)daily_.Add(ctx.key, EventTime::FromMicros(ks.day_start), ks.day_reads);
      }
      ks.day_start = day;
      ks.day_reads = 0;
      ks.day_threshold = -1;
    }
    ++ks.day_reads;
    if (ks.day_reads < c.timeseries_min_reads) return;
    if (ks.day_threshold < 0) {
      if (!ctx.Learned()) {
        ks.day_threshold = INT64_MAX;
      } else {
        Baseline b = Summarise(Previous(ctx));
        double t = std::max({static_cast<double>(c.timeseries_min_reads),
                             c.timeseries_ratio * static_cast<double>(b.max),
                             b.mean + c.timeseries_zscore * b.stddev});
        ks.day_threshold = static_cast<int64_t>(std::ceil(t));
      }
    }
    if (ks.day_reads < ks.day_threshold) return;
    if (!ctx.emitter.Claim("KV_AccessTimeSeriesAnomaly", ctx.key, ctx.now)) return;
    Baseline b = Summarise(Previous(ctx));
    Finding f = MakeFinding("KV_AccessTimeSeriesAnomaly", std::string(ctx.key), e,
                            EventTime::FromMicros(ks.day_start), ctx.now);
    f.reasons = "The vault served " + Num(static_cast<double>(ks.day_reads)) +
                " successful reads since " + Time(EventTime::FromMicros(ks.day_start)) +
                "; over its previous " + Num(static_cast<double>(b.days)) +
                " days it served at most " + Num(static_cast<double>(b.max)) + " a day (mean " +
                Num(b.mean) + ", standard deviation " + Num(b.stddev) + ").";
    f.evidence.emplace_back("Reads Today", Num(static_cast<double>(ks.day_reads)));
    f.evidence.emplace_back("Baseline Max Daily Reads", Num(static_cast<double>(b.max)));
    f.evidence.emplace_back("Baseline Mean Daily Reads", Num(b.mean));
    f.evidence.emplace_back("Threshold", Num(static_cast<double>(ks.day_threshold)));
    ctx.emitter.Emit(std::move(f));
  }

 private:
  std::vector<int64_t> Previous(DetectorContext& ctx) {
    // The baseline days before today (today's bucket is not written until the day closes).
    return daily_.Buckets(ctx.key, EventTime::FromMicros(ctx.ks.day_start - kDayUs),
                          static_cast<int>(ctx.config.baseline_days));
  }
  state::WindowCounter daily_;
};

// KV_OperationPatternAnomaly: a caller with an established pattern on the vault performs several
// operations it never performed there, within a short window.
class OperationPatternDetector final : public Detector {
 public:
  OperationPatternDetector(const DetectConfig& c, state::StateStore* store)
      : seen_(store, "op.seen", c.known_caller_ttl),
        volume_(store, "op.n", Duration::Days(1), static_cast<int>(c.baseline_days + 1)),
        recent_(store, "op.new", c.op_pattern_window, 16) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (e.outcome() != v1::OUTCOME_SUCCESS) return;
    // TouchHourly, with the skip decided before the event's strings are read: most events repeat
    // a (caller, operation) of the vault's hour, and by release time their strings are rarely in
    // cache.
    const EventDigest& d = ctx.digest;
    if (ctx.ks.TouchedThisHour(MixHashes(kSeedOperationSeen, {d.vault, d.caller, d.op}),
                               ctx.now.micros())) {
      return;
    }
    std::string caller_buf;
    const std::string_view caller = ingest::CallerKeyView(e, &caller_buf);
    const std::string_view op = OperationView(e);
    touch_key_ = Cat({ctx.key, caller, op});
    state::Sighting s = seen_.Touch(touch_key_, ctx.now);
    const std::string pair = Cat({ctx.key, caller});
    // The pair's activity in operation-hours (an (operation, hour) it was seen in counts once):
    // steady workloads accumulate hundreds a week, an occasional visitor a handful.
    (void)volume_.Add(pair, ctx.now);
    if (!s.is_new || !ctx.Learned()) return;
    const DetectConfig& c = ctx.config;
    int64_t today = ctx.now.FloorTo(Duration::Days(1)).micros();
    int64_t base = volume_.Sum(pair, EventTime::FromMicros(today - c.baseline_days * kDayUs),
                               EventTime::FromMicros(today));
    if (base < c.op_pattern_min_baseline_hours) return;
    recent_.Push(pair, state::Step{ctx.now, static_cast<uint32_t>(e.operation()), std::string(op)});
    std::vector<state::Step> steps = recent_.Recent(pair, ctx.now - c.op_pattern_window);
    std::map<std::string, int> ops;
    for (const state::Step& st : steps) ops[st.detail]++;
    if (static_cast<int64_t>(ops.size()) < c.op_pattern_min_new_ops) return;
    if (!ctx.emitter.Claim("KV_OperationPatternAnomaly", pair, ctx.now)) return;
    Finding f = MakeFinding("KV_OperationPatternAnomaly", pair, e, steps.front().t, ctx.now);
    std::string list;
    for (auto& [name, n] : ops) list += (list.empty() ? "" : ", ") + name + ":" + std::to_string(n);
    f.reasons = CallerDisplay(e) + " performed " + std::to_string(ops.size()) +
                " operations it never performed on this vault (" + list + ") within " +
                FormatDuration(c.op_pattern_window) + "; over its last " +
                std::to_string(c.baseline_days) + " days it performed " +
                Num(static_cast<double>(base)) + " operations here, none of these.";
    f.evidence.emplace_back("Suspicious Operations", "[" + list + "]");
    f.evidence.emplace_back("Baseline Active Operation-Hours", Num(static_cast<double>(base)));
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::FirstSeenMap seen_;
  state::WindowCounter volume_;
  state::SequenceTracker recent_;
  std::string touch_key_;
};

// KV_AccessPolicyFlip: an access policy added for a principal and removed again within minutes.
class PolicyFlipDetector final : public Detector {
 public:
  PolicyFlipDetector(const DetectConfig& c, state::StateStore* store)
      : added_(store, "pf.add", c.policy_flip_window) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e) || !IsPolicyChange(e.operation())) return;
    const v1::AccessPolicyChange& pc = e.policy_change();
    for (const std::string& oid : pc.added_object_ids()) {
      (void)added_.Touch(Cat({ctx.key, oid}), ctx.now);
    }
    for (const std::string& oid : pc.removed_object_ids()) {
      std::optional<state::Sighting> s = added_.Get(Cat({ctx.key, oid}), ctx.now);
      if (!s || ctx.now - s->last > ctx.config.policy_flip_window) continue;
      std::string entity = Cat({ctx.key, oid});
      if (!ctx.emitter.Claim("KV_AccessPolicyFlip", entity, ctx.now)) continue;
      Finding f = MakeFinding("KV_AccessPolicyFlip", entity, e, s->last, ctx.now);
      f.reasons = "An access policy for principal " + oid + " was added at " + Time(s->last) +
                  " and removed at " + Time(ctx.now) + " by " + CallerDisplay(e) + ", " +
                  Num((ctx.now - s->last).seconds() / 60.0) +
                  " minutes later; access policies on this vault are normally long-lived.";
      f.evidence.emplace_back("Principal Added And Removed", oid);
      f.evidence.emplace_back("Policy Added At", Time(s->last));
      f.evidence.emplace_back("Policy Removed At", Time(ctx.now));
      f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + "]");
      ctx.emitter.Emit(std::move(f));
    }
  }

 private:
  state::FirstSeenMap added_;
};

// ---------------------------------------------------------------------------------------------
// By caller.

// KV_UserAnomaly, KV_AppAnomaly, KV_UserAccessDeniedAnomaly (a caller new on a vault) and
// KV_AccountVolumeAnomaly, KV_AccountVolumeAccessDeniedAnomaly (a caller on far more vaults in
// 24 h than on any baseline day). Both need the caller's vaults, so they share that state. They
// read the by-caller stream: "new on this vault" is caller-local (caller|vault pairs), and the
// caller's own spread decides how unusual a new vault is (admins roam; apps do not).
class VaultSpreadDetector final : public Detector {
 public:
  VaultSpreadDetector(const DetectConfig& c, state::StateStore* store)
      : pairs_(store, "vs.pair", c.known_caller_ttl),
        denied_pairs_(store, "vs.dpair", Duration::Days(1)),
        vaults_(store, "vs.v", Duration::Hours(1), 25),
        denied_(store, "vs.d", Duration::Hours(1), 25),
        vaults_daily_(store, "vs.vd", Duration::Days(1), static_cast<int>(c.baseline_days + 1)),
        denied_daily_(store, "vs.dd", Duration::Days(1), static_cast<int>(c.baseline_days + 1)) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    const std::string& vault = e.vault_id();
    if (vault.empty()) return;
    bool skipped = false;
    std::string pair;  // Cat({ctx.key, vault}): built by the touch, or below when needed
    state::Sighting s = TouchHourly(pairs_, kSeedVaultPair, {ctx.digest.caller, ctx.digest.vault},
                                    {ctx.key, vault}, ctx, &skipped, &pair);
    if (skipped && Denied(e)) pair = Cat({ctx.key, vault});
    if (!skipped &&
        (s.is_new || s.last.FloorTo(Duration::Hours(1)) != ctx.now.FloorTo(Duration::Hours(1)))) {
      (void)vaults_.AddHashed(ctx.key, ctx.digest.vault_member, ctx.now);
      (void)vaults_daily_.AddHashed(ctx.key, ctx.digest.vault_member, ctx.now);
    }
    bool new_in_day = !skipped && (s.is_new || ctx.now - s.last >= Duration::Hours(24));
    if (!ctx.Learned()) {
      if (Denied(e)) (void)TouchDenied(ctx, pair);
      return;
    }
    Memo(ctx);
    const DetectConfig& c = ctx.config;
    // A VaultPut on a vault the caller never saw creates it (or onboards it): not an intrusion.
    if (s.is_new && e.operation() != v1::OP_VAULT_PUT &&
        ctx.ks.roam_vaults <= c.identity_max_baseline_vaults) {
      NewOnVault(e, ctx);
    }
    if (new_in_day && Success(e)) {
      uint64_t n = Count24(vaults_, ctx);
      double need = std::max(
          static_cast<double>(c.account_volume_min_vaults),
          c.account_volume_ratio * static_cast<double>(std::max<int64_t>(ctx.ks.av_baseline, 1)));
      if (static_cast<double>(n) >= need &&
          ctx.emitter.Claim("KV_AccountVolumeAnomaly", ctx.key, ctx.now)) {
        Finding f = MakeFinding("KV_AccountVolumeAnomaly", std::string(ctx.key), e,
                                ctx.now - Duration::Hours(24), ctx.now);
        f.reasons = CallerDisplay(e) + " accessed " + std::to_string(n) +
                    " distinct key vaults in the last 24 hours; on its busiest day of the last " +
                    std::to_string(c.baseline_days) + " it accessed " +
                    std::to_string(ctx.ks.av_baseline) + ".";
        f.evidence.emplace_back("Vaults In 24h", std::to_string(n));
        f.evidence.emplace_back("Baseline Max Vaults Per Day", std::to_string(ctx.ks.av_baseline));
        ctx.emitter.Emit(std::move(f));
      }
    }
    if (Denied(e) && TouchDenied(ctx, pair)) {
      uint64_t n = Count24(denied_, ctx);
      double need = std::max(
          static_cast<double>(c.account_denied_min_vaults),
          c.account_denied_ratio * static_cast<double>(std::max<int64_t>(ctx.ks.avd_baseline, 1)));
      if (static_cast<double>(n) >= need &&
          ctx.emitter.Claim("KV_AccountVolumeAccessDeniedAnomaly", ctx.key, ctx.now)) {
        Finding f = MakeFinding("KV_AccountVolumeAccessDeniedAnomaly", std::string(ctx.key), e,
                                ctx.now - Duration::Hours(24), ctx.now);
        f.reasons = CallerDisplay(e) + " was denied on " + std::to_string(n) +
                    " distinct key vaults in the last 24 hours; on its worst day of the last " +
                    std::to_string(c.baseline_days) + " it was denied on " +
                    std::to_string(ctx.ks.avd_baseline) + ".";
        f.evidence.emplace_back("Vaults Denied In 24h", std::to_string(n));
        f.evidence.emplace_back("Baseline Max Denied Vaults Per Day",
                                std::to_string(ctx.ks.avd_baseline));
        ctx.emitter.Emit(std::move(f));
      }
    }
  }

 private:
  // Records a denial on the event's vault (`pair`: caller and vault); true when it is the first
  // on that vault in 24 h.
  bool TouchDenied(DetectorContext& ctx, const std::string& pair) {
    state::Sighting d = denied_pairs_.Touch(pair, ctx.now);
    if (d.is_new || d.last.FloorTo(Duration::Hours(1)) != ctx.now.FloorTo(Duration::Hours(1))) {
      (void)denied_.AddHashed(ctx.key, ctx.digest.vault_member, ctx.now);
      (void)denied_daily_.AddHashed(ctx.key, ctx.digest.vault_member, ctx.now);
    }
    return d.is_new;
  }

  uint64_t Count24(state::DistinctCounter& dc, DetectorContext& ctx) {
    EventTime end = ctx.now.FloorTo(Duration::Hours(1)) + Duration::Hours(1);
    return dc.Count(ctx.key, end - Duration::Hours(24), end);
  }

  // Baselines that only change at a day boundary, computed once per caller and day.
  void Memo(DetectorContext& ctx) {
    int64_t today = ctx.now.FloorTo(Duration::Days(1)).micros();
    KeyState& ks = ctx.ks;
    if (ks.memo_day == today) return;
    ks.memo_day = today;
    int64_t days = ctx.config.baseline_days;
    // The busiest baseline day of each counter: the per-day counts of the `days` days before
    // today, one store lookup each (BucketCounts), then the union over those days.
    const EventTime yesterday = EventTime::FromMicros(today - kDayUs);
    int64_t av = 0, avd = 0;
    for (uint64_t n : vaults_daily_.BucketCounts(ctx.key, yesterday, static_cast<int>(days))) {
      av = std::max(av, static_cast<int64_t>(n));
    }
    ks.roam_vaults = static_cast<int64_t>(vaults_daily_.Count(
        ctx.key, EventTime::FromMicros(today - days * kDayUs), EventTime::FromMicros(today)));
    for (uint64_t n : denied_daily_.BucketCounts(ctx.key, yesterday, static_cast<int>(days))) {
      avd = std::max(avd, static_cast<int64_t>(n));
    }
    ks.av_baseline = av;
    ks.avd_baseline = avd;
  }

  void NewOnVault(const AccessEvent& e, DetectorContext& ctx) {
    std::string type;
    if (IsUser(e) && Success(e)) {
      type = "KV_UserAnomaly";
    } else if (IsUser(e) && Denied(e)) {
      type = "KV_UserAccessDeniedAnomaly";
    } else if (IsApp(e) && Success(e)) {
      type = "KV_AppAnomaly";
    } else {
      return;
    }
    std::string entity = Cat({ctx.key, e.vault_id()});
    if (!ctx.emitter.Claim(type, entity, ctx.now)) return;
    Finding f = MakeFinding(type, entity, e, ctx.now, ctx.now);
    std::string who = IsUser(e) ? "user " : "application ";
    f.reasons = "The " + who + CallerDisplay(e) + (Denied(e) ? " was denied " : " accessed ") +
                "key vault " + e.vault_name() + " (" + Operation(e) + ", " + Outcome(e) +
                "), which it had not accessed in the last " +
                FormatDuration(ctx.config.known_caller_ttl) + " of its history; in its last " +
                std::to_string(ctx.config.baseline_days) + " days it used " +
                std::to_string(ctx.ks.roam_vaults) + " vault(s).";
    f.evidence.emplace_back("Baseline Vaults Of Caller", std::to_string(ctx.ks.roam_vaults));
    f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + ":1]");
    ctx.emitter.Emit(std::move(f));
  }

  state::FirstSeenMap pairs_, denied_pairs_;
  // Hourly over the last 24 h (the volume rules) and daily over the baseline (the baselines).
  state::DistinctCounter vaults_, denied_, vaults_daily_, denied_daily_;
};

// KV_UserAppAnomaly: a known user acts through an application it never used.
class UserAppDetector final : public Detector {
 public:
  UserAppDetector(const DetectConfig& c, state::StateStore* store)
      : apps_(store, "ua.app", c.known_caller_ttl) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (e.caller().identity_type() != v1::IDENTITY_TYPE_USER_AND_APP) return;
    if (e.caller().app_id().empty() || !Success(e)) return;
    bool skipped = false;
    state::Sighting s = TouchHourly(apps_, kSeedUserApp, {ctx.digest.caller, ctx.digest.app},
                                    {ctx.key, e.caller().app_id()}, ctx, &skipped, &touch_key_);
    if (skipped || !s.is_new || !ctx.Learned()) return;
    std::string entity = Cat({ctx.key, e.caller().app_id()});
    if (!ctx.emitter.Claim("KV_UserAppAnomaly", entity, ctx.now)) return;
    Finding f = MakeFinding("KV_UserAppAnomaly", entity, e, ctx.now, ctx.now);
    f.reasons = "User " + CallerDisplay(e) + " accessed key vault " + e.vault_name() +
                " through application " + e.caller().app_id() +
                ", which it had not used in its history (known for " +
                Num((ctx.now - EventTime::FromMicros(ctx.ks.first_us)).seconds() / 86400.0) +
                " days).";
    f.evidence.emplace_back("Application Id", e.caller().app_id());
    f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + ":1]");
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::FirstSeenMap apps_;
  std::string touch_key_;
};

// KV_UnusualAccessSuspiciousIP: a caller seen only from Microsoft or internal addresses for the
// baseline window comes from an external one.
class UnusualIpDetector final : public Detector {
 public:
  UnusualIpDetector(const DetectConfig& c, state::StateStore* store)
      : external_(store, "ui.ext", c.unusual_ip_baseline) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    const EventFacts& fx = ctx.facts;
    if (!fx.has_ip || fx.microsoft || fx.internal) return;
    if (e.outcome() != v1::OUTCOME_SUCCESS && e.outcome() != v1::OUTCOME_DENIED) return;
    bool skipped = false;
    state::Sighting s = TouchHourly(external_, kSeedExternal, {ctx.digest.caller}, {ctx.key}, ctx,
                                    &skipped, &touch_key_);
    if (skipped || !s.is_new || !ctx.Learned()) return;
    std::string entity = std::string(ctx.key);
    if (!ctx.emitter.Claim("KV_UnusualAccessSuspiciousIP", entity, ctx.now)) return;
    Finding f = MakeFinding("KV_UnusualAccessSuspiciousIP", entity, e, ctx.now, ctx.now);
    f.reasons = CallerDisplay(e) + " accessed key vault " + e.vault_name() + " from " +
                e.caller().ip_text() +
                ", an address outside Microsoft's and the internal ranges; in the last " +
                FormatDuration(ctx.config.unusual_ip_baseline) +
                " it was seen only from Microsoft or internal addresses.";
    f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + ":1]");
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::FirstSeenMap external_;
  std::string touch_key_;
};

// KV_ListGetAnomaly: a List, then Gets of many distinct objects of that kind on the same vault
// within a short window, by a caller that never did this in its baseline.
class ListGetDetector final : public Detector {
 public:
  bool FiresWhenCrossed() const override { return true; }
  ListGetDetector(const DetectConfig& c, state::StateStore* store)
      : sequences_(store, "lg.seq", Duration::Days(1), static_cast<int>(c.baseline_days + 1)) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e)) return;
    KeyState& ks = ctx.ks;
    if (IsList(e.operation())) {
      ks.list_us = ctx.now.micros();
      ks.list_vault = e.vault_id();
      ks.list_object = e.object_type();
      ks.list_names.clear();
      return;
    }
    if (!IsRead(e.operation()) || ks.list_us == INT64_MIN) return;
    const DetectConfig& c = ctx.config;
    if (ctx.now.micros() - ks.list_us > c.list_get_window.micros() ||
        e.vault_id() != ks.list_vault || e.object_type() != ks.list_object) {
      return;
    }
    uint64_t h = Fnv1a64(e.target_name());
    auto it = std::lower_bound(ks.list_names.begin(), ks.list_names.end(), h);
    if (it != ks.list_names.end() && *it == h) return;
    if (ks.list_names.size() >= 100000) return;
    ks.list_names.insert(it, h);
    if (static_cast<int64_t>(ks.list_names.size()) != c.list_get_min_distinct) return;
    // The sequence just became a bulk read: compare with the caller's baseline, then count it.
    int64_t today = ctx.now.FloorTo(Duration::Days(1)).micros();
    int64_t base = sequences_.Sum(ctx.key, EventTime::FromMicros(today - c.baseline_days * kDayUs),
                                  EventTime::FromMicros(today));
    if (!ctx.speculative) (void)sequences_.Add(ctx.key, ctx.now);
    if (base > c.list_get_max_baseline_sequences || !ctx.Learned()) return;
    std::string entity = Cat({ctx.key, e.vault_id()});
    if (!ctx.emitter.Claim("KV_ListGetAnomaly", entity, ctx.now)) return;
    Finding f =
        MakeFinding("KV_ListGetAnomaly", entity, e, EventTime::FromMicros(ks.list_us), ctx.now);
    f.reasons = CallerDisplay(e) + " listed the objects of key vault " + e.vault_name() +
                " and then read " + std::to_string(ks.list_names.size()) + " distinct ones in " +
                Num((ctx.now - EventTime::FromMicros(ks.list_us)).seconds() / 60.0) +
                " minutes; its " + std::to_string(c.baseline_days) + "-day baseline is " +
                std::to_string(base) + " list-then-get sequences.";
    f.evidence.emplace_back("Distinct Objects Read After List",
                            std::to_string(ks.list_names.size()));
    f.evidence.emplace_back("Baseline List-Then-Get Sequences", std::to_string(base));
    f.evidence.emplace_back("List Time", Time(EventTime::FromMicros(ks.list_us)));
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::WindowCounter sequences_;
};

// KV_PutGetAnomaly: a policy change (VaultPut/VaultPatch) by the caller, then secret reads by the
// same caller on the same vault within the window.
class PutGetDetector final : public Detector {
 public:
  PutGetDetector(const DetectConfig& c, state::StateStore* store)
      : changes_(store, "pg.put", c.put_get_window) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e)) return;
    KeyState& ks = ctx.ks;
    if (IsPolicyChange(e.operation())) {
      ks.policy_change_us = ctx.now.micros();
      (void)changes_.Touch(Cat({ctx.key, e.vault_id()}), ctx.now);
      return;
    }
    if (e.operation() != v1::OP_SECRET_GET || ks.policy_change_us == INT64_MIN) return;
    if (ctx.now.micros() - ks.policy_change_us > ctx.config.put_get_window.micros()) return;
    std::string entity = Cat({ctx.key, e.vault_id()});
    std::optional<state::Sighting> s = changes_.Get(entity, ctx.now);
    if (!s) return;
    if (!ctx.emitter.Claim("KV_PutGetAnomaly", entity, ctx.now)) return;
    Finding f = MakeFinding("KV_PutGetAnomaly", entity, e, s->last, ctx.now);
    f.reasons = CallerDisplay(e) + " changed the access policy of key vault " + e.vault_name() +
                " at " + Time(s->last) + " and read secret '" + e.target_name() + "' " +
                Num((ctx.now - s->last).seconds() / 60.0) +
                " minutes later; policy administrators of this tenant do not read secrets right "
                "after changing a policy.";
    f.evidence.emplace_back("Policy Changed At", Time(s->last));
    f.evidence.emplace_back("Suspicious Operations", "[VaultPatch/VaultPut:1, SecretGet:1+]");
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::FirstSeenMap changes_;
};

// KV_MassSecretRetrieval: a caller's successful gets of one operation on one vault in a UTC day
// above both the static threshold (Sentinel's 25) and `ratio` times its busiest baseline day.
// Today's count is in KeyState; it joins the daily WindowCounter when the day closes.
class MassRetrievalDetector final : public Detector {
 public:
  bool FiresWhenCrossed() const override { return true; }
  MassRetrievalDetector(const DetectConfig& c, state::StateStore* store)
      : daily_(store, "mr", Duration::Days(1), static_cast<int>(c.baseline_days + 1)) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e) || !IsRead(e.operation())) return;
    const DetectConfig& c = ctx.config;
    int64_t day = ctx.now.FloorTo(Duration::Days(1)).micros();
    int32_t op = e.operation();
    uint64_t vault = ctx.digest.vault_fnv;
    KeyState::OpDay* m = nullptr;
    for (KeyState::OpDay& x : ctx.ks.mass) {
      if (x.op == op && x.vault == vault) m = &x;
    }
    if (m == nullptr) {
      ctx.ks.mass.push_back(KeyState::OpDay{vault, op, day, 0, -1});
      m = &ctx.ks.mass.back();
    }
    std::string key;  // Cat({ctx.key, e.vault_id(), Operation(e)}), built when the store is used
    auto store_key = [&]() -> const std::string& {
      if (key.empty()) key = Cat({ctx.key, e.vault_id(), OperationView(e)});
      return key;
    };
    if (m->day != day) {
      if (m->count > 0 && !ctx.speculative) {
        (void)daily_.Add(store_key(), EventTime::FromMicros(m->day), m->count);
      }
      m->day = day;
      m->count = 0;
      m->threshold = -1;
    }
    ++m->count;
    if (m->count <= c.mass_static_threshold) return;
    // Run ahead past midnight, the baseline would miss the day the ordered run has not closed
    // (stored) yet: that run decides until it has.
    if (ctx.speculative && ctx.released != nullptr) {
      for (const KeyState::OpDay& x : ctx.released->mass) {
        if (x.op == op && x.vault == vault && x.day != day && x.count > 0) return;
      }
    }
    if (m->threshold < 0) {
      if (!ctx.Learned()) {
        m->threshold = INT64_MAX;
      } else {
        Baseline b = Summarise(daily_.Buckets(store_key(), EventTime::FromMicros(day - kDayUs),
                                              static_cast<int>(c.baseline_days)));
        m->threshold = static_cast<int64_t>(std::max(static_cast<double>(c.mass_static_threshold),
                                                     c.mass_ratio * static_cast<double>(b.max)));
      }
    }
    if (m->count <= m->threshold) return;
    store_key();
    if (!ctx.emitter.Claim("KV_MassSecretRetrieval", key, ctx.now)) return;
    Baseline b = Summarise(daily_.Buckets(key, EventTime::FromMicros(day - kDayUs),
                                          static_cast<int>(c.baseline_days)));
    Finding f = MakeFinding("KV_MassSecretRetrieval", key, e, EventTime::FromMicros(day), ctx.now);
    f.reasons = CallerDisplay(e) + " performed " + std::to_string(m->count) + " successful " +
                Operation(e) + " since " + Time(EventTime::FromMicros(day)) +
                ", above the static threshold of " + std::to_string(c.mass_static_threshold) +
                " and its own norm: at most " + Num(static_cast<double>(b.max)) + " a day (mean " +
                Num(b.mean) + ") over the last " + std::to_string(b.days) + " days.";
    f.evidence.emplace_back("Retrievals Today", std::to_string(m->count));
    f.evidence.emplace_back("Baseline Max Daily Retrievals", Num(static_cast<double>(b.max)));
    f.evidence.emplace_back("Suspicious Operations",
                            "[" + Operation(e) + ":" + std::to_string(m->count) + "]");
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::WindowCounter daily_;
};

// KV_ExcessiveRetrieval: >= N retrievals (Get, List, ListVersions) of >= M distinct operations by
// one caller within one minute, when the caller never had such a burst in its baseline (sync jobs
// that list and read everything every hour have them daily; people do not).
class ExcessiveRetrievalDetector final : public Detector {
 public:
  bool FiresWhenCrossed() const override { return true; }
  ExcessiveRetrievalDetector(const DetectConfig& c, state::StateStore* store)
      : bursts_(store, "er.burst", Duration::Days(1), static_cast<int>(c.baseline_days + 1)) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e) || !IsRetrieval(e.operation())) return;
    auto& r = ctx.ks.recent_reads;
    const int64_t since = ctx.now.micros() - 60LL * 1000000;
    r.erase(r.begin(),
            std::find_if(r.begin(), r.end(), [&](const auto& x) { return x.first >= since; }));
    if (r.size() >= 1024) r.erase(r.begin());
    r.emplace_back(ctx.now.micros(), static_cast<int32_t>(e.operation()));
    const DetectConfig& c = ctx.config;
    if (static_cast<int64_t>(r.size()) < c.excessive_min_reads) return;
    // Retrievals per operation (a few kinds: a flat vector, sorted by operation when reported).
    std::vector<std::pair<int32_t, int>>& ops = ops_;
    ops.clear();
    for (const auto& x : r) {
      auto it =
          std::find_if(ops.begin(), ops.end(), [&](const auto& o) { return o.first == x.second; });
      if (it == ops.end()) {
        ops.emplace_back(x.second, 1);
      } else {
        ++it->second;
      }
    }
    if (static_cast<int64_t>(ops.size()) < c.excessive_min_operations) return;
    std::sort(ops.begin(), ops.end());
    // A burst: is it unusual for this caller? The baseline counts the days before today, so it
    // is read, and today's burst recorded, once a day: only whether a day had one matters.
    KeyState& ks = ctx.ks;
    int64_t today = ctx.now.FloorTo(Duration::Days(1)).micros();
    if (ks.burst_day != today) {
      ks.burst_base = bursts_.Sum(ctx.key, EventTime::FromMicros(today - c.baseline_days * kDayUs),
                                  EventTime::FromMicros(today));
      if (!ctx.speculative) (void)bursts_.Add(ctx.key, ctx.now);
      ks.burst_day = today;
    }
    if (ks.burst_base > 0 || !ctx.Learned()) return;
    if (!ctx.emitter.Claim("KV_ExcessiveRetrieval", ctx.key, ctx.now)) return;
    Finding f = MakeFinding("KV_ExcessiveRetrieval", std::string(ctx.key), e,
                            EventTime::FromMicros(r.front().first), ctx.now);
    std::string list;
    for (auto& [op, n] : ops) {
      list += (list.empty() ? "" : ", ") + v1::Operation_Name(static_cast<v1::Operation>(op)) +
              ":" + std::to_string(n);
    }
    f.reasons = CallerDisplay(e) + " performed " + std::to_string(r.size()) + " retrievals of " +
                std::to_string(ops.size()) + " kinds within one minute (" + list +
                "); in its last " + std::to_string(c.baseline_days) + " days it never retrieved " +
                std::to_string(c.excessive_min_reads) + " or more objects in a minute.";
    f.evidence.emplace_back("Retrievals In One Minute", std::to_string(r.size()));
    f.evidence.emplace_back("Suspicious Operations", "[" + list + "]");
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::WindowCounter bursts_;
  std::vector<std::pair<int32_t, int>> ops_;  // reused per event
};

// KV_RareSecretAccess: a caller with an established history reads a secret/key/certificate (by
// name, so rotation's new versions do not count) it has not read for `rare_history`.
class RareSecretDetector final : public Detector {
 public:
  RareSecretDetector(const DetectConfig& c, state::StateStore* store)
      : names_(store, "rs.name", c.rare_history) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e) || !IsRead(e.operation()) || e.target_name().empty()) return;
    char type_buf[16];
    auto [end, ec] = std::to_chars(type_buf, type_buf + sizeof type_buf, e.object_type());
    (void)ec;  // an int32 always fits
    const std::string_view type(type_buf, static_cast<size_t>(end - type_buf));
    bool skipped = false;
    state::Sighting s =
        TouchHourly(names_, kSeedRareName,
                    {ctx.digest.caller, ctx.digest.vault, static_cast<uint64_t>(e.object_type()),
                     ctx.digest.name},
                    {ctx.key, e.vault_id(), type, e.target_name()}, ctx, &skipped, &touch_key_);
    if (skipped || !s.is_new || !ctx.Learned()) return;
    if (ctx.now - EventTime::FromMicros(ctx.ks.first_us) < ctx.config.rare_history) return;
    if (!ctx.emitter.Claim("KV_RareSecretAccess", ctx.key, ctx.now)) return;
    Finding f = MakeFinding("KV_RareSecretAccess", std::string(ctx.key), e, ctx.now, ctx.now);
    f.reasons = CallerDisplay(e) + " read '" + e.target_name() + "' (" + Operation(e) +
                ") in key vault " + e.vault_name() + ", which it had not read in the last " +
                FormatDuration(ctx.config.rare_history) + " of its " +
                Num((ctx.now - EventTime::FromMicros(ctx.ks.first_us)).seconds() / 86400.0) +
                "-day history.";
    f.evidence.emplace_back("Object Name", e.target_name());
    f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + ":1]");
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::FirstSeenMap names_;
  std::string touch_key_;
};

bool AnyEnabled(const DetectConfig& c, std::initializer_list<const char*> types) {
  for (const char* t : types) {
    if (c.IsEnabled(t)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::unique_ptr<Detector>> MakeVaultDetectors(const DetectConfig& c,
                                                          state::StateStore* store) {
  std::vector<std::unique_ptr<Detector>> d;
  if (AnyEnabled(c, {"KV_SuspiciousIPAccess", "KV_SuspiciousIPAccessDenied", "KV_TORAccess"})) {
    d.push_back(std::make_unique<ThreatIntelDetector>());
  }
  if (c.IsEnabled("KV_SensitiveOperation"))
    d.push_back(std::make_unique<SensitiveOperationDetector>());
  if (c.IsEnabled("KV_OperationVolumeAnomaly")) {
    d.push_back(std::make_unique<OperationVolumeDetector>(c, store));
  }
  if (c.IsEnabled("KV_AccessTimeSeriesAnomaly"))
    d.push_back(std::make_unique<TimeSeriesDetector>(c, store));
  if (c.IsEnabled("KV_OperationPatternAnomaly")) {
    d.push_back(std::make_unique<OperationPatternDetector>(c, store));
  }
  if (c.IsEnabled("KV_AccessPolicyFlip"))
    d.push_back(std::make_unique<PolicyFlipDetector>(c, store));
  return d;
}

std::vector<std::unique_ptr<Detector>> MakeCallerDetectors(const DetectConfig& c,
                                                           state::StateStore* store) {
  std::vector<std::unique_ptr<Detector>> d;
  if (AnyEnabled(c, {"KV_UserAnomaly", "KV_AppAnomaly", "KV_UserAccessDeniedAnomaly",
                     "KV_AccountVolumeAnomaly", "KV_AccountVolumeAccessDeniedAnomaly"})) {
    d.push_back(std::make_unique<VaultSpreadDetector>(c, store));
  }
  if (c.IsEnabled("KV_UserAppAnomaly")) d.push_back(std::make_unique<UserAppDetector>(c, store));
  if (c.IsEnabled("KV_UnusualAccessSuspiciousIP"))
    d.push_back(std::make_unique<UnusualIpDetector>(c, store));
  if (c.IsEnabled("KV_ListGetAnomaly")) d.push_back(std::make_unique<ListGetDetector>(c, store));
  if (c.IsEnabled("KV_PutGetAnomaly")) d.push_back(std::make_unique<PutGetDetector>(c, store));
  if (c.IsEnabled("KV_MassSecretRetrieval"))
    d.push_back(std::make_unique<MassRetrievalDetector>(c, store));
  if (c.IsEnabled("KV_ExcessiveRetrieval"))
    d.push_back(std::make_unique<ExcessiveRetrievalDetector>(c, store));
  if (c.IsEnabled("KV_RareSecretAccess"))
    d.push_back(std::make_unique<RareSecretDetector>(c, store));
  return d;
}

}  // namespace vw::detect
