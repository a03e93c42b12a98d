// The by-caller detectors (DESIGN.md section 6): a caller new on a vault or on many vaults, user
// through a new application, unusual address, list-then-get, policy-change-then-read, mass and
// excessive retrieval, rare secrets. Each reads the events of one caller in canonical event-time
// order (engine.h).
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
    // One alert per caller and window, not per vault: a caller sweeping twenty vaults it never
    // used is one incident (with KV_AccountVolumeAnomaly beside it), not twenty alerts.
    std::string entity(ctx.key);
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
    // Past the threshold more names change nothing (the sequence fires once, at the crossing),
    // so the set stops there: it is part of the key's one state value, which must fit a
    // changelog record, and a caller reading a whole vault after a List once filled it with
    // 100,000 names (1 MB), over the producer's limit.
    if (static_cast<int64_t>(ks.list_names.size()) >= c.list_get_min_distinct) return;
    uint64_t h = Fnv1a64(e.target_name());
    auto it = std::lower_bound(ks.list_names.begin(), ks.list_names.end(), h);
    if (it != ks.list_names.end() && *it == h) return;
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

// Records the objects each caller wrote itself (SecretSet, restore, KeyCreate, import, rotate),
// for `rare_secret.history`: reading one back is neither a rare read (KV_RareSecretAccess) nor
// reading the vault's existing secrets after a policy change (KV_PutGetAnomaly). Emits nothing;
// runs first among the by-caller detectors so a write is known before the reads that follow it.
class OwnWritesRecorder final : public Detector {
 public:
  OwnWritesRecorder(const DetectConfig& c, state::StateStore* store)
      : writes_(store, "ow", c.rare_history) {}
  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    if (!Success(e) || !IsOwnWrite(e.operation()) || e.target_name().empty()) return;
    if (ctx.ks.TouchedThisHour(
            MixHashes(kSeedOwnWrite, {ctx.digest.caller, ctx.digest.vault,
                                      static_cast<uint64_t>(e.object_type()), ctx.digest.name}),
            ctx.now.micros())) {
      return;
    }
    (void)writes_.Touch(OwnWriteKey(ctx.key, e), ctx.now);
  }

 private:
  state::FirstSeenMap writes_;
};

// Whether the caller (ctx.key) wrote the event's object itself within `rare_secret.history`.
class OwnWrites {
 public:
  OwnWrites(const DetectConfig& c, state::StateStore* store)
      : writes_(store, "ow", c.rare_history) {}
  bool Wrote(const AccessEvent& e, DetectorContext& ctx) {
    return !e.target_name().empty() && writes_.Get(OwnWriteKey(ctx.key, e), ctx.now).has_value();
  }

 private:
  state::FirstSeenMap writes_;
};

// KV_PutGetAnomaly: a policy change (VaultPut/VaultPatch) by the caller, then reads of the vault's
// secrets (not ones the caller wrote itself) by the same caller within the window, when the caller
// does not do this on this vault routinely (an admin's periodic break-glass: on at least
// `routine.min_days` days of its baseline). A caller younger than its learning period has no
// baseline (unless `put_get.always_alert`).
class PutGetDetector final : public Detector {
 public:
  PutGetDetector(const DetectConfig& c, state::StateStore* store)
      : changes_(store, "pg.put", c.put_get_window),
        routine_(store, "pg.day", c.baseline_days),
        own_(c, store) {}

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
    if (own_.Wrote(e, ctx)) return;
    const DetectConfig& c = ctx.config;
    const int days = routine_.DaysBefore(entity, ctx.now);
    if (!ks.TouchedThisHour(MixHashes(kSeedRoutine, {ctx.digest.caller, ctx.digest.vault}),
                            ctx.now.micros())) {
      routine_.Record(entity, ctx.now);
    }
    if (!c.put_get_always_alert && (!ctx.Learned() || days >= c.routine_min_days)) return;
    if (!ctx.emitter.Claim("KV_PutGetAnomaly", entity, ctx.now)) return;
    Finding f = MakeFinding("KV_PutGetAnomaly", entity, e, s->last, ctx.now);
    f.reasons = CallerDisplay(e) + " changed the access policy of key vault " + e.vault_name() +
                " at " + Time(s->last) + " and read secret '" + e.target_name() + "' " +
                Num((ctx.now - s->last).seconds() / 60.0) + " minutes later; this caller " +
                (c.put_get_always_alert
                     ? std::string("was not compared with a baseline (always-alert mode).")
                     : RoutineWords("changed a policy and then read secrets of this vault", days,
                                    c.baseline_days, c.routine_min_days) +
                           ".");
    f.evidence.emplace_back("Policy Changed At", Time(s->last));
    f.evidence.emplace_back("Baseline Days With Policy Change Then Read", std::to_string(days));
    f.evidence.emplace_back("Suspicious Operations", "[VaultPatch/VaultPut:1, SecretGet:1+]");
    ctx.emitter.Emit(std::move(f));
  }

 private:
  state::FirstSeenMap changes_;
  RoutineBaseline routine_;
  OwnWrites own_;
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
      if (ctx.ks.mass.size() >= kMaxMassEntries && !DropPastDays(ctx.ks.mass, day)) return;
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
  // The (vault, operation) pairs a caller's state tracks: they are part of its one state value
  // (KeyState::mass, ~25 bytes each), which must fit a changelog record (1 MB by default). A
  // pair's count of an earlier day is normally recorded in the baseline when the pair is next
  // read; at the bound those of earlier days are dropped unrecorded instead (their days then
  // count as zero in that pair's baseline, which can only lower its threshold), and a caller
  // with more pairs than this in one day gets no new ones tracked that day (the spread
  // detectors see such a caller).
  static constexpr size_t kMaxMassEntries = 8192;
  static bool DropPastDays(std::vector<KeyState::OpDay>& mass, int64_t today) {
    const size_t before = mass.size();
    std::erase_if(mass, [today](const KeyState::OpDay& x) { return x.day != today; });
    return mass.size() < before;
  }

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
      list += (list.empty() ? "" : ", ") +
              std::string(ingest::AzureOperationName(static_cast<v1::Operation>(op))) + ":" +
              std::to_string(n);
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
// name, so rotation's new versions do not count) it has not read or used (a key's cryptographic
// operations) for `rare_history`, and did not write itself in that time (a pipeline reading back
// the secret it just set is not rare access).
class RareSecretDetector final : public Detector {
 public:
  RareSecretDetector(const DetectConfig& c, state::StateStore* store)
      : names_(store, "rs.name", c.rare_history), own_(c, store) {}

  void OnEvent(const AccessEvent& e, DetectorContext& ctx) override {
    // A key the caller wraps, signs or decrypts with is in use: reading it later is not rare.
    const bool read = IsRead(e.operation());
    if (!Success(e) || (!read && !IsKeyUse(e.operation())) || e.target_name().empty()) return;
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
    if (skipped || !s.is_new || !read || !ctx.Learned()) return;
    if (ctx.now - EventTime::FromMicros(ctx.ks.first_us) < ctx.config.rare_history) return;
    if (own_.Wrote(e, ctx)) return;
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
  OwnWrites own_;
};

}  // namespace

void AddCallerDetectors(const DetectConfig& c, state::StateStore* store,
                        std::vector<std::unique_ptr<Detector>>* out) {
  std::vector<std::unique_ptr<Detector>>& d = *out;
  if (AnyEnabled(c, {"KV_PutGetAnomaly", "KV_RareSecretAccess"}))
    d.push_back(std::make_unique<OwnWritesRecorder>(c, store));
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
}

}  // namespace vw::detect::internal
