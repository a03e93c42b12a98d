// The per-entity baselines of the detectors that used to alert on every occurrence:
// KV_SensitiveOperation, KV_AccessPolicyFlip and KV_PutGetAnomaly compare with what the caller does
// on the vault routinely (recurring on routine.min_days days of the baseline -> quiet; the first
// time, or another caller -> alert; a vault or caller younger than its learning period -> quiet);
// KV_RareSecretAccess ignores reads of what the caller wrote itself; KV_OperationVolumeAnomaly
// judges a quiet vault by its own rate (a 20x burst on a 6-an-hour vault fires, Poisson noise does
// not); a caller new on many vaults is one alert, not one per vault. Hand-built events through
// Engine::Process and Flush over a real StateStore; learning period 2 d, baseline 3 d,
// routine.min_days 2 (the default).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "processors/detectors/detectors_internal.h"
#include "processors/detectors/engine.h"
#include "processors/detectors/ip_set.h"
#include "processors/detectors/tests/make_event.h"
#include "state/state_store.h"
#include "tests/support/alert_sink.h"

namespace vw::detect {
namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1767225600LL * kSec;  // 2026-01-01T00:00:00Z

using Collect = ::vw::testing::CollectingAlertSink;

struct Ev {
  int64_t t = kT0;
  std::string vault = "kv-1";
  std::string op = "SecretGet";
  v1::Operation code = v1::OP_SECRET_GET;
  v1::ObjectType object = v1::OBJECT_TYPE_SECRET;
  std::string oid = "app-1";
  std::string upn;
  std::string app = "app-1";
  std::string ip = "20.1.1.1";
  v1::Outcome outcome = v1::OUTCOME_SUCCESS;
  std::string target = "db-password";
  std::string added, removed;  // access policy change (VaultPatch)

  Ev At(int64_t time) const {
    Ev e = *this;
    e.t = time;
    return e;
  }
  Ev By(const std::string& who) const {
    Ev e = *this;
    e.oid = e.app = who;
    return e;
  }
  Ev Op(const std::string& name, v1::Operation c, v1::ObjectType o = v1::OBJECT_TYPE_SECRET) const {
    Ev e = *this;
    e.op = name;
    e.code = c;
    e.object = o;
    return e;
  }
  Ev Target(const std::string& name) const {
    Ev e = *this;
    e.target = name;
    return e;
  }
};

v1::AccessEvent Make(const Ev& e) {
  v1::AccessEvent a = test_support::MakeEvent(e);
  if (!e.added.empty()) a.mutable_policy_change()->add_added_object_ids(e.added);
  if (!e.removed.empty()) a.mutable_policy_change()->add_removed_object_ids(e.removed);
  return a;
}

Ev Backup() { return Ev{}.By("backup-sp").Op("SecretBackup", v1::OP_SECRET_BACKUP); }
Ev Purge() { return Ev{}.By("backup-sp").Op("SecretPurge", v1::OP_SECRET_PURGE); }
Ev Grant(const std::string& who, const std::string& principal) {
  Ev e = Ev{}.By(who).Op("VaultPatch", v1::OP_VAULT_PATCH, v1::OBJECT_TYPE_VAULT);
  e.target.clear();
  e.added = principal;
  return e;
}
Ev Revoke(const std::string& who, const std::string& principal) {
  Ev e = Grant(who, "");
  e.removed = principal;
  return e;
}

class RoutineBaselinesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.learning_period = Duration::Days(2);
    config_.baseline_days = 3;
    dir_ = ::testing::TempDir() + "/routine_baselines_test_" + std::to_string(::getpid());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `events` through a fresh engine on an empty store, to the end.
  Collect Run(const std::vector<Ev>& events) {
    std::vector<v1::AccessEvent> made;
    for (const Ev& e : events) made.push_back(Make(e));
    return test_support::RunFresh(config_, dir_, std::move(made));
  }

  // The vault's (and app-1's) ordinary traffic: a read every hour from kT0 for `days` days.
  static void Steady(std::vector<Ev>* out, int days, const Ev& base = Ev{}) {
    for (int64_t t = kT0; t < kT0 + days * kDay; t += kHour) out->push_back(base.At(t));
  }

  DetectConfig config_;
  std::string dir_;
};

// --- KV_SensitiveOperation ---

TEST_F(RoutineBaselinesTest, SensitiveNightlyBackupIsARoutine) {
  std::vector<Ev> evs;
  Steady(&evs, 6);
  for (int d = 0; d < 6; ++d) evs.push_back(Backup().At(kT0 + d * kDay + 2 * kHour));
  EXPECT_EQ(Run(evs).Count("KV_SensitiveOperation"), 0u);
}

TEST_F(RoutineBaselinesTest, SensitiveFirstBackupByACallerAlertsWithItsBaseline) {
  std::vector<Ev> evs;
  Steady(&evs, 6);
  for (int d = 0; d < 6; ++d) evs.push_back(Backup().At(kT0 + d * kDay + 2 * kHour));
  evs.push_back(Backup().By("intruder").At(kT0 + 5 * kDay + 3 * kHour));
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_SensitiveOperation"), 1u);
  const std::string reasons =
      c.First("KV_SensitiveOperation")->extended_properties().at("Alert Reasons");
  EXPECT_NE(reasons.find("This caller never backed up objects of this vault in the last 3 days"),
            std::string::npos)
      << reasons;
}

TEST_F(RoutineBaselinesTest, SensitiveRoutineOfOneClassDoesNotCoverAnother) {
  std::vector<Ev> evs;
  Steady(&evs, 6);
  for (int d = 0; d < 6; ++d) evs.push_back(Backup().At(kT0 + d * kDay + 2 * kHour));
  evs.push_back(Purge().At(kT0 + 5 * kDay + 4 * kHour));
  EXPECT_EQ(Run(evs).Count("KV_SensitiveOperation"), 1u);
}

TEST_F(RoutineBaselinesTest, SensitiveOnceBeforeIsNotARoutine) {
  std::vector<Ev> evs;
  Steady(&evs, 6);
  evs.push_back(Backup().At(kT0 + 3 * kDay + 2 * kHour));  // learned: alerts (first time)
  evs.push_back(Backup().At(kT0 + 5 * kDay + 2 * kHour));  // one earlier day: still alerts
  EXPECT_EQ(Run(evs).Count("KV_SensitiveOperation"), 2u);
}

TEST_F(RoutineBaselinesTest, SensitiveOnAYoungVaultIsQuietUnlessAlwaysAlert) {
  std::vector<Ev> evs;
  Steady(&evs, 6);
  Ev young = Ev{}.By("pipeline");
  young.vault = "kv-citest-1";
  evs.push_back(young.Op("SecretSet", v1::OP_SECRET_SET).At(kT0 + 5 * kDay + 10 * kHour));
  young.target.clear();
  evs.push_back(young.Op("VaultDelete", v1::OP_VAULT_DELETE, v1::OBJECT_TYPE_VAULT)
                    .At(kT0 + 5 * kDay + 12 * kHour));
  EXPECT_EQ(Run(evs).Count("KV_SensitiveOperation"), 0u);
  config_.sensitive_always_alert = true;
  EXPECT_EQ(Run(evs).Count("KV_SensitiveOperation"), 1u);
}

// --- KV_AccessPolicyFlip ---

TEST_F(RoutineBaselinesTest, PolicyFlipByJitAutomationIsARoutine) {
  std::vector<Ev> evs;
  Steady(&evs, 6);
  for (int d = 0; d < 6; ++d) {
    evs.push_back(Grant("jit-sp", "operator-1").At(kT0 + d * kDay + 9 * kHour));
    evs.push_back(Revoke("jit-sp", "operator-1").At(kT0 + d * kDay + 9 * kHour + 5 * kMin));
  }
  EXPECT_EQ(Run(evs).Count("KV_AccessPolicyFlip"), 0u);
}

TEST_F(RoutineBaselinesTest, PolicyFlipByACallerThatNeverFlipsAlerts) {
  std::vector<Ev> evs;
  Steady(&evs, 6);
  for (int d = 0; d < 6; ++d) {
    evs.push_back(Grant("jit-sp", "operator-1").At(kT0 + d * kDay + 9 * kHour));
    evs.push_back(Revoke("jit-sp", "operator-1").At(kT0 + d * kDay + 9 * kHour + 5 * kMin));
  }
  evs.push_back(Grant("admin-1", "stranger").At(kT0 + 5 * kDay + 14 * kHour));
  evs.push_back(Revoke("admin-1", "stranger").At(kT0 + 5 * kDay + 14 * kHour + 4 * kMin));
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_AccessPolicyFlip"), 1u);
  EXPECT_EQ(c.First("KV_AccessPolicyFlip")->extended_properties().at("Principal Added And Removed"),
            "stranger");
}

TEST_F(RoutineBaselinesTest, PolicyFlipOnAYoungVaultIsQuietUnlessAlwaysAlert) {
  std::vector<Ev> evs;
  Ev g = Grant("admin-1", "stranger"), r = Revoke("admin-1", "stranger");
  g.vault = r.vault = "kv-new";
  evs.push_back(g.At(kT0 + 14 * kHour));
  evs.push_back(r.At(kT0 + 14 * kHour + 4 * kMin));
  EXPECT_EQ(Run(evs).Count("KV_AccessPolicyFlip"), 0u);
  config_.policy_flip_always_alert = true;
  EXPECT_EQ(Run(evs).Count("KV_AccessPolicyFlip"), 1u);
}

// --- KV_PutGetAnomaly ---

// An admin's break-glass on its vault: grant itself, read the credentials.
void BreakGlass(std::vector<Ev>* evs, const std::string& admin, int64_t at) {
  evs->push_back(Grant(admin, admin).At(at));
  evs->push_back(Ev{}.By(admin).Target("break-glass-cred").At(at + 3 * kMin));
}

TEST_F(RoutineBaselinesTest, PutGetBreakGlassRoutineIsQuiet) {
  std::vector<Ev> evs;
  Steady(&evs, 7, Ev{}.By("admin-1").Target("audit-log-key"));
  for (int d = 0; d < 7; ++d) BreakGlass(&evs, "admin-1", kT0 + d * kDay + 11 * kHour);
  EXPECT_EQ(Run(evs).Count("KV_PutGetAnomaly"), 0u);
}

TEST_F(RoutineBaselinesTest, PutGetFirstTimeAlertsAndNamesTheBaseline) {
  std::vector<Ev> evs;
  Steady(&evs, 7, Ev{}.By("admin-1").Target("audit-log-key"));
  BreakGlass(&evs, "admin-1", kT0 + 6 * kDay + 11 * kHour);
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_PutGetAnomaly"), 1u);
  const std::string reasons =
      c.First("KV_PutGetAnomaly")->extended_properties().at("Alert Reasons");
  EXPECT_NE(reasons.find("never changed a policy and then read secrets of this vault in the last "
                         "3 days"),
            std::string::npos)
      << reasons;
}

TEST_F(RoutineBaselinesTest, PutGetQuietForAYoungCaller) {
  std::vector<Ev> evs;
  Steady(&evs, 7);
  BreakGlass(&evs, "new-admin", kT0 + 6 * kDay + 11 * kHour);  // first seen just now
  EXPECT_EQ(Run(evs).Count("KV_PutGetAnomaly"), 0u);
}

TEST_F(RoutineBaselinesTest, PutGetReadingWhatTheCallerSetIsNotReadingTheVault) {
  std::vector<Ev> evs;
  Steady(&evs, 6, Ev{}.By("pipeline").Target("build-cache"));  // nothing else on day 6
  const int64_t t = kT0 + 6 * kDay + 11 * kHour;
  Ev put = Grant("pipeline", "");
  put.added.clear();
  put.op = "VaultPut";
  put.code = v1::OP_VAULT_PUT;
  evs.push_back(put.At(t));
  evs.push_back(
      Ev{}.By("pipeline").Op("SecretSet", v1::OP_SECRET_SET).Target("test-db").At(t + kMin));
  evs.push_back(Ev{}.By("pipeline").Target("test-db").At(t + 2 * kMin));
  EXPECT_EQ(Run(evs).Count("KV_PutGetAnomaly"), 0u);
  // The same reads without the write are reads of the vault's secrets.
  evs.erase(evs.end() - 2);
  EXPECT_EQ(Run(evs).Count("KV_PutGetAnomaly"), 1u);
}

// --- KV_RareSecretAccess ---

TEST_F(RoutineBaselinesTest, RareSecretIgnoresTheCallersOwnWrites) {
  config_.rare_history = Duration::Days(3);
  std::vector<Ev> evs;
  Steady(&evs, 5);
  const int64_t t = kT0 + 5 * kDay + 9 * kHour;
  evs.push_back(Ev{}.Op("SecretSet", v1::OP_SECRET_SET).Target("ephemeral-1").At(t));
  evs.push_back(Ev{}.Target("ephemeral-1").At(t + kMin));
  evs.push_back(Ev{}.Op("KeyCreate", v1::OP_KEY_CREATE, v1::OBJECT_TYPE_KEY)
                    .Target("signing-1")
                    .At(t + 2 * kMin));
  evs.push_back(
      Ev{}.Op("KeyGet", v1::OP_KEY_GET, v1::OBJECT_TYPE_KEY).Target("signing-1").At(t + 3 * kMin));
  EXPECT_EQ(Run(evs).Count("KV_RareSecretAccess"), 0u);
  // Written by someone else: the read is rare.
  evs[evs.size() - 4].oid = evs[evs.size() - 4].app = "someone-else";
  EXPECT_EQ(Run(evs).Count("KV_RareSecretAccess"), 1u);
}

TEST_F(RoutineBaselinesTest, RareSecretKeyInCryptoUseIsNotRare) {
  config_.rare_history = Duration::Days(3);
  Ev wrap = Ev{}.Op("KeyWrap", v1::OP_KEY_WRAP, v1::OBJECT_TYPE_KEY).Target("cmk");
  std::vector<Ev> evs;
  Steady(&evs, 5, wrap);
  evs.push_back(
      Ev{}.Op("KeyGet", v1::OP_KEY_GET, v1::OBJECT_TYPE_KEY).Target("cmk").At(kT0 + 5 * kDay));
  EXPECT_EQ(Run(evs).Count("KV_RareSecretAccess"), 0u);
}

// --- KV_OperationVolumeAnomaly on a quiet vault ---

TEST_F(RoutineBaselinesTest, VolumeTwentyTimesAQuietVaultFires) {
  std::vector<Ev> evs;
  for (int64_t t = kT0; t < kT0 + 5 * kDay; t += 10 * kMin) evs.push_back(Ev{}.At(t));  // 6/h
  const int64_t burst = kT0 + 5 * kDay + 10 * kHour;
  for (int i = 0; i < 120; ++i) evs.push_back(Ev{}.By("burst").At(burst + i * 30 * kSec));
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_OperationVolumeAnomaly"), 1u);
  EXPECT_EQ(c.First("KV_OperationVolumeAnomaly")->extended_properties().at("Threshold"), "50");
}

TEST_F(RoutineBaselinesTest, VolumeThrottledRequestsAreNotCounted) {
  std::vector<Ev> evs;
  for (int64_t t = kT0; t < kT0 + 5 * kDay; t += 10 * kMin) evs.push_back(Ev{}.At(t));
  const int64_t burst = kT0 + 5 * kDay + 10 * kHour;
  Ev throttled = Ev{}.By("busy");
  throttled.outcome = v1::OUTCOME_THROTTLED;
  for (int i = 0; i < 120; ++i) evs.push_back(throttled.At(burst + i * 30 * kSec));
  EXPECT_EQ(Run(evs).Count("KV_OperationVolumeAnomaly"), 0u);
}

TEST_F(RoutineBaselinesTest, VolumePoissonNoiseOnAQuietVaultIsQuietWithoutTheFloor) {
  config_.op_volume_min_count = 1;  // only the significance test and the ratio decide
  std::mt19937_64 rng(7);
  std::poisson_distribution<int> six(6.0);
  std::vector<Ev> evs;
  for (int64_t h = kT0; h < kT0 + 10 * kDay; h += kHour) {
    int n = six(rng);
    for (int i = 0; i < n; ++i) evs.push_back(Ev{}.At(h + i * (kHour / (n + 1))));
  }
  EXPECT_EQ(Run(evs).Count("KV_OperationVolumeAnomaly"), 0u);
}

// --- alert fatigue ---

// An application that sweeps five vaults it never used: one KV_AppAnomaly for the caller in the
// suppression window (and KV_AccountVolumeAnomaly beside it), not one per vault.
TEST_F(RoutineBaselinesTest, NewOnManyVaultsIsOneAlertPerCaller) {
  std::vector<Ev> evs;
  Steady(&evs, 4);
  for (int v = 2; v <= 6; ++v) {
    Ev e;
    e.vault = "kv-" + std::to_string(v);
    evs.push_back(e.At(kT0 + 4 * kDay + 9 * kHour + v * kMin));
  }
  Collect c = Run(evs);
  EXPECT_EQ(c.Count("KV_AppAnomaly"), 1u);
  EXPECT_EQ(c.Count("KV_AccountVolumeAnomaly"), 1u);
}

TEST(PoissonTailThresholdTest, MatchesTheTailProbability) {
  // P(X >= 21 | 6) ~ 1.5e-6 and P(X >= 22 | 6) ~ 3.9e-7: 22 is the first count at most 1e-6.
  EXPECT_EQ(internal::PoissonTailThreshold(6, 1e-6), 22);
  EXPECT_EQ(internal::PoissonTailThreshold(0, 1e-6), 1);
  // Normal approximation above 500: 1000 + 4.75 * 31.6 + 0.5 ~ 1151.
  int64_t big = internal::PoissonTailThreshold(1000, 1e-6);
  EXPECT_GE(big, 1145);
  EXPECT_LE(big, 1160);
}

}  // namespace
}  // namespace vw::detect
