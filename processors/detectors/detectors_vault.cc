// The by-vault detectors (DESIGN.md section 6): threat intel, sensitive operations, operation
// volume, access time series, operation pattern, access-policy flips. Each reads the events of one
// vault in canonical event-time order (engine.h), so its decisions depend only on event time and
// the vault's history, never on delivery order.
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
#include "processors/detectors/detectors_internal.h"
#include "processors/ingest/ingest.h"
#include "processors/ingest/normalize.h"
#include "state/distinct_counter.h"
#include "state/first_seen_map.h"
#include "state/sequence_tracker.h"
#include "state/window_counter.h"

namespace vw::detect::internal {
namespace {

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

// The class of a sensitive operation: what a routine baseline counts together. A nightly clean-up
// deletes secrets and purges them, and keys weekly: one class, whatever the object type.
const char* SensitiveClass(v1::Operation op) {
  switch (op) {
    case v1::OP_VAULT_DELETE:
    case v1::OP_VAULT_PURGE:
      return "vault-delete";
    case v1::OP_SECRET_BACKUP:
    case v1::OP_KEY_BACKUP:
    case v1::OP_CERTIFICATE_BACKUP:
    case v1::OP_HSM_BACKUP_CREATE:
      return "backup";
    default:
      return "delete";
  }
}
std::string_view ClassWords(std::string_view cls) {
  if (cls == "backup") return "backed up objects of";
  if (cls == "vault-delete") return "deleted or purged";
  return "deleted or purged objects of";
}
std::string SensitiveCaller(const AccessEvent& e) {
  return e.caller().object_id().empty() ? CallerDisplay(e) : e.caller().object_id();
}

// KV_SensitiveOperation: a successful delete, purge or backup of the vault or an object in it,
// by a caller that does not do this (this class of operation, on this vault) routinely: on at
// least `routine.min_days` days of its baseline. A vault younger than its learning period has no
// baseline: nothing fires for it (unless `sensitive_operation.always_alert`, Sentinel-style).
// Decides on arrival and only reads the baseline; SensitiveBaselineRecorder writes it in the
// ordered run, and the baseline covers the days before today only, so the decision does not
// depend on how far the ordered run has got today.
class SensitiveOperationDetector final : public Detector {
 public:
  SensitiveOperationDetector(const DetectConfig& c, state::StateStore* store)
      : routine_(store, "so.day", c.baseline_days) {}
  bool DecidesOnArrival() const override { return true; }
  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e) || !IsSensitive(e.operation())) return;
    const DetectConfig& c = ctx.config;
    std::string caller = SensitiveCaller(e);
    const std::string_view cls = SensitiveClass(e.operation());
    int days = -1;
    if (!c.sensitive_always_alert) {
      if (!ctx.Learned()) return;
      days = routine_.DaysBefore(Cat({ctx.key, caller, cls}), ctx.now);
      if (days >= c.routine_min_days) return;
    }
    std::string entity = Cat({ctx.key, caller});
    if (!ctx.emitter.Claim("KV_SensitiveOperation", entity, ctx.now)) return;
    Finding f = MakeFinding("KV_SensitiveOperation", entity, e, ctx.now, ctx.now);
    std::string target =
        e.target_name().empty() ? std::string("the vault") : "'" + e.target_name() + "'";
    f.reasons = CallerDisplay(e) + " performed " + Operation(e) + " on " + target + ". ";
    if (days < 0) {
      f.reasons +=
          "Deletes, purges and backups of vault objects can destroy secrets or move them out of "
          "the vault (always-alert mode: no baseline is consulted).";
    } else {
      f.reasons += "This caller " +
                   RoutineWords(std::string(ClassWords(cls)) + " this vault", days, c.baseline_days,
                                c.routine_min_days) +
                   "; deletes, purges and backups can destroy secrets or move them out of the "
                   "vault.";
      f.evidence.emplace_back("Baseline Days With This Operation Class", std::to_string(days));
    }
    f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + ":1]");
    if (!e.target_name().empty()) f.evidence.emplace_back("Object Name", e.target_name());
    ctx.emitter.Emit(std::move(f));
  }

 private:
  RoutineBaseline routine_;
};

// Records, in the ordered run, the days on which each caller performed each class of sensitive
// operation on the vault (SensitiveOperationDetector's baseline). Emits nothing.
class SensitiveBaselineRecorder final : public Detector {
 public:
  SensitiveBaselineRecorder(const DetectConfig& c, state::StateStore* store)
      : routine_(store, "so.day", c.baseline_days) {}
  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e) || !IsSensitive(e.operation())) return;
    const char* cls = SensitiveClass(e.operation());
    // One write per (caller, class) and hour: the day's bucket only needs to be non-zero.
    if (ctx.ks.TouchedThisHour(
            MixHashes(kSeedRoutine, {ctx.digest.vault, ctx.digest.caller, HashString(cls)}),
            ctx.now.micros())) {
      return;
    }
    routine_.Record(Cat({ctx.key, SensitiveCaller(e), cls}), ctx.now);
  }

 private:
  RoutineBaseline routine_;
};

// KV_OperationVolumeAnomaly: a vault's operations in one hour far above the same hour of day in
// its baseline (seasonal: nights and weekends are quieter), judged alike for small and large
// vaults: the count must be improbable under the vault's own same-hour rate (Poisson tail at most
// `max_p_value`), `ratio` times its busiest same hour, and at least `min_count`. Throttled
// requests (HTTP 429) are not counted: they were refused, and a client's retries of them would
// count twice. The open hour is counted in KeyState and added to the hourly WindowCounter when it
// closes, so an event costs no store access.
class OperationVolumeDetector final : public Detector {
 public:
  OperationVolumeDetector(const DetectConfig& c, state::StateStore* store)
      : hourly_(store, "ov", Duration::Hours(1), static_cast<int>(24 * (c.baseline_days + 1))) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (e.outcome() == v1::OUTCOME_THROTTLED) return;
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
        Baseline b = Summarise(hourly_.SamePhase(ctx.key, ctx.now, Duration::Days(1),
                                                 static_cast<int>(c.baseline_days)));
        double t = std::max({static_cast<double>(c.op_volume_min_count),
                             c.op_volume_ratio * static_cast<double>(b.max),
                             static_cast<double>(PoissonTailThreshold(b.mean, c.op_volume_max_p))});
        ks.hour_threshold = static_cast<int64_t>(std::ceil(t));
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
                Num(b.mean) + "). At its own rate, " + Num(static_cast<double>(ks.hour_threshold)) +
                " or more in an hour has a probability below " + PValue(c.op_volume_max_p) + ".";
    f.evidence.emplace_back("Operations In Hour", Num(static_cast<double>(ks.hour_count)));
    f.evidence.emplace_back("Baseline Max Same Hour", Num(static_cast<double>(b.max)));
    f.evidence.emplace_back("Baseline Mean Same Hour", Num(b.mean));
    f.evidence.emplace_back("Threshold", Num(static_cast<double>(ks.hour_threshold)));
    f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + "]");
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::WindowCounter hourly_;
};

// KV_AccessTimeSeriesAnomaly: a vault's successful reads in a UTC day far above its daily trend:
// improbable under its own daily rate (Poisson tail at most `max_p_value`), `ratio` times its
// busiest baseline day, and at least `min_reads`.
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
        double t =
            std::max({static_cast<double>(c.timeseries_min_reads),
                      c.timeseries_ratio * static_cast<double>(b.max),
                      static_cast<double>(PoissonTailThreshold(b.mean, c.timeseries_max_p))});
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
    for (auto& [name, n] : ops) {
      // The state keeps the enum's name of a known operation (OperationView); people read Azure's.
      v1::Operation known;
      std::string shown =
          v1::Operation_Parse(name, &known) ? std::string(ingest::AzureOperationName(known)) : name;
      list += (list.empty() ? "" : ", ") + shown + ":" + std::to_string(n);
    }
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

// KV_AccessPolicyFlip: an access policy added for a principal and removed again within minutes,
// by a caller that does not flip policies on this vault routinely (JIT access automation does,
// several times a week: on at least `routine.min_days` days of its baseline). A vault younger
// than its learning period has no baseline (unless `policy_flip.always_alert`).
class PolicyFlipDetector final : public Detector {
 public:
  PolicyFlipDetector(const DetectConfig& c, state::StateStore* store)
      : added_(store, "pf.add", c.policy_flip_window), routine_(store, "pf.day", c.baseline_days) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e) || !IsPolicyChange(e.operation())) return;
    const v1::AccessPolicyChange& pc = e.policy_change();
    for (const std::string& oid : pc.added_object_ids()) {
      (void)added_.Touch(Cat({ctx.key, oid}), ctx.now);
    }
    const DetectConfig& c = ctx.config;
    for (const std::string& oid : pc.removed_object_ids()) {
      std::optional<state::Sighting> s = added_.Get(Cat({ctx.key, oid}), ctx.now);
      if (!s || ctx.now - s->last > c.policy_flip_window) continue;
      const std::string routine_key = Cat({ctx.key, SensitiveCaller(e)});
      const int days = routine_.DaysBefore(routine_key, ctx.now);
      routine_.Record(routine_key, ctx.now);
      if (!c.policy_flip_always_alert && (!ctx.Learned() || days >= c.routine_min_days)) continue;
      std::string entity = Cat({ctx.key, oid});
      if (!ctx.emitter.Claim("KV_AccessPolicyFlip", entity, ctx.now)) continue;
      Finding f = MakeFinding("KV_AccessPolicyFlip", entity, e, s->last, ctx.now);
      f.reasons = "An access policy for principal " + oid + " was added at " + Time(s->last) +
                  " and removed at " + Time(ctx.now) + " by " + CallerDisplay(e) + ", " +
                  Num((ctx.now - s->last).seconds() / 60.0) + " minutes later; this caller " +
                  (c.policy_flip_always_alert
                       ? std::string("was not compared with a baseline (always-alert mode).")
                       : RoutineWords("added and removed access policies on this vault", days,
                                      c.baseline_days, c.routine_min_days) +
                             ".");
      f.evidence.emplace_back("Principal Added And Removed", oid);
      f.evidence.emplace_back("Policy Added At", Time(s->last));
      f.evidence.emplace_back("Policy Removed At", Time(ctx.now));
      f.evidence.emplace_back("Baseline Days With Policy Flips", std::to_string(days));
      f.evidence.emplace_back("Suspicious Operations", "[" + Operation(e) + "]");
      ctx.emitter.Emit(std::move(f));
    }
  }

 private:
  state::FirstSeenMap added_;
  RoutineBaseline routine_;
};

}  // namespace

void AddVaultDetectors(const DetectConfig& c, state::StateStore* store,
                       std::vector<std::unique_ptr<Detector>>* out) {
  std::vector<std::unique_ptr<Detector>>& d = *out;
  if (AnyEnabled(c, {"KV_SuspiciousIPAccess", "KV_SuspiciousIPAccessDenied", "KV_TORAccess"})) {
    d.push_back(std::make_unique<ThreatIntelDetector>());
  }
  if (c.IsEnabled("KV_SensitiveOperation")) {
    d.push_back(std::make_unique<SensitiveOperationDetector>(c, store));
    d.push_back(std::make_unique<SensitiveBaselineRecorder>(c, store));
  }
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
}

}  // namespace vw::detect::internal
