// One positive and one negative case for each baseline detector that engine_test.cc does not
// cover: KV_OperationVolumeAnomaly, KV_AccessTimeSeriesAnomaly, KV_OperationPatternAnomaly,
// KV_UserAppAnomaly, KV_UnusualAccessSuspiciousIP, KV_AccountVolumeAnomaly,
// KV_AccountVolumeAccessDeniedAnomaly, KV_RareSecretAccess; and the operation names in
// KV_ExcessiveRetrieval's reasons. Hand-built events through Engine::Process, ended with
// Engine::Flush, over a real StateStore in a temporary directory. Small windows (learning_period
// 2 d, baseline_days 3) and thresholds keep the histories short; each negative case differs from
// its positive in the one property the rule is about.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "processors/detectors/alert.h"
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
constexpr int64_t kT0 = 1767225600LL * kSec;  // 2026-01-01T00:00:00Z, a Thursday

using Collect = ::vw::testing::CollectingAlertSink;

struct Ev {
  int64_t t = kT0;
  std::string vault = "kv-1";
  std::string op = "SecretGet";
  v1::Operation code = v1::OP_SECRET_GET;
  v1::ObjectType object = v1::OBJECT_TYPE_SECRET;
  std::string oid = "user-1";
  std::string upn = "alice@contoso.com";
  std::string app;
  std::string ip = "20.1.1.1";  // a Microsoft range in TestIntel
  v1::Outcome outcome = v1::OUTCOME_SUCCESS;
  std::string target = "db-password";

  Ev At(int64_t time) const {
    Ev e = *this;
    e.t = time;
    return e;
  }
  Ev Op(const std::string& name, v1::Operation c, v1::ObjectType o) const {
    Ev e = *this;
    e.op = name;
    e.code = c;
    e.object = o;
    return e;
  }
};

class BaselineDetectorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.learning_period = Duration::Days(2);
    config_.baseline_days = 3;
    dir_ = ::testing::TempDir() + "/baseline_detectors_test_" + std::to_string(::getpid());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `events` through a fresh engine on an empty store, to the end.
  Collect Run(const std::vector<Ev>& events) {
    std::vector<v1::AccessEvent> made;
    for (const Ev& e : events) made.push_back(test_support::MakeEvent(e));
    return test_support::RunFresh(config_, dir_, std::move(made));
  }

  // `per_day` events of `base` on each of `days` days from kT0, at 08:00 plus `spacing` apart.
  static void Daily(std::vector<Ev>* out, const Ev& base, int days, int per_day,
                    int64_t spacing = kMin, int64_t first = kT0 + 8 * kHour) {
    for (int d = 0; d < days; ++d) {
      for (int i = 0; i < per_day; ++i) out->push_back(base.At(first + d * kDay + i * spacing));
    }
  }

  DetectConfig config_;
  std::string dir_;
};

// A vault's operations in one hour against the same hour of day over its baseline.
TEST_F(BaselineDetectorsTest, OperationVolumeFiresFarAboveTheSameHourOfDay) {
  config_.op_volume_min_count = 10;
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 4, 2);  // 2 operations in the 08:00 hour on days 0-3
  // 30 on day 4: over max(10, 5 x 2, 13), 13 being the first count with P(X >= 13) <= 1e-6 for
  // X ~ Poisson(2), the same-hour mean.
  Daily(&evs, Ev{}, 1, 30, kMin, kT0 + 4 * kDay + 8 * kHour);
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_OperationVolumeAnomaly"), 1u);
  EXPECT_EQ(c.First("KV_OperationVolumeAnomaly")->extended_properties().at("Threshold"), "13");
}

TEST_F(BaselineDetectorsTest, OperationVolumeQuietWithinFiveTimesTheBusiestSameHour) {
  config_.op_volume_min_count = 10;
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 4, 8);  // 8 in the 08:00 hour: the threshold is 5 x 8 = 40
  Daily(&evs, Ev{}, 1, 30, kMin, kT0 + 4 * kDay + 8 * kHour);
  EXPECT_EQ(Run(evs).Count("KV_OperationVolumeAnomaly"), 0u);
}

// A vault's successful reads in a day against its daily trend.
TEST_F(BaselineDetectorsTest, AccessTimeSeriesFiresFarAboveTheDailyReads) {
  config_.timeseries_min_reads = 10;
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 4, 3, kHour);  // 3 reads a day
  // 20: over max(10, 3 x 3, 15), 15 being the Poisson(3) count with tail probability <= 1e-6.
  Daily(&evs, Ev{}, 1, 20, kMin, kT0 + 4 * kDay + 8 * kHour);
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_AccessTimeSeriesAnomaly"), 1u);
  EXPECT_EQ(c.First("KV_AccessTimeSeriesAnomaly")->extended_properties().at("Reads Today"), "15");
}

TEST_F(BaselineDetectorsTest, AccessTimeSeriesQuietWithinThreeTimesTheBusiestDay) {
  config_.timeseries_min_reads = 10;
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 4, 10, kHour / 2);  // 10 reads a day: the threshold is 30
  Daily(&evs, Ev{}, 1, 20, kMin, kT0 + 4 * kDay + 8 * kHour);
  EXPECT_EQ(Run(evs).Count("KV_AccessTimeSeriesAnomaly"), 0u);
}

// A caller with an established pattern on a vault performs several new operations there.
std::vector<Ev> PatternHistory() {
  std::vector<Ev> evs;
  for (int d = 0; d < 4; ++d) {
    for (int h = 8; h < 16; ++h) evs.push_back(Ev{}.At(kT0 + d * kDay + h * kHour));
  }
  return evs;  // 32 operation-hours of SecretGet
}

TEST_F(BaselineDetectorsTest, OperationPatternFiresForSeveralNewOperationsWithinTheWindow) {
  config_.op_pattern_min_baseline_hours = 8;
  std::vector<Ev> evs = PatternHistory();
  const int64_t t = kT0 + 4 * kDay + 9 * kHour;
  evs.push_back(Ev{}.Op("SecretSet", v1::OP_SECRET_SET, v1::OBJECT_TYPE_SECRET).At(t));
  evs.push_back(Ev{}.Op("SecretBackup", v1::OP_SECRET_BACKUP, v1::OBJECT_TYPE_SECRET).At(t + kMin));
  evs.push_back(Ev{}.Op("KeyCreate", v1::OP_KEY_CREATE, v1::OBJECT_TYPE_KEY).At(t + 2 * kMin));
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_OperationPatternAnomaly"), 1u);
  const std::string reasons =
      c.First("KV_OperationPatternAnomaly")->extended_properties().at("Alert Reasons");
  EXPECT_NE(reasons.find("KeyCreate:1, SecretBackup:1, SecretSet:1"), std::string::npos) << reasons;
}

TEST_F(BaselineDetectorsTest, OperationPatternQuietWhenTheNewOperationsAreHoursApart) {
  config_.op_pattern_min_baseline_hours = 8;
  std::vector<Ev> evs = PatternHistory();
  const int64_t t = kT0 + 4 * kDay + 9 * kHour;  // the window is 1 h
  evs.push_back(Ev{}.Op("SecretSet", v1::OP_SECRET_SET, v1::OBJECT_TYPE_SECRET).At(t));
  evs.push_back(
      Ev{}.Op("SecretBackup", v1::OP_SECRET_BACKUP, v1::OBJECT_TYPE_SECRET).At(t + 2 * kHour));
  evs.push_back(Ev{}.Op("KeyCreate", v1::OP_KEY_CREATE, v1::OBJECT_TYPE_KEY).At(t + 4 * kHour));
  EXPECT_EQ(Run(evs).Count("KV_OperationPatternAnomaly"), 0u);
}

// A known user acts through an application it never used.
TEST_F(BaselineDetectorsTest, UserAppFiresForAKnownUserThroughANewApplication) {
  Ev via_a;
  via_a.app = "app-a";
  std::vector<Ev> evs;
  Daily(&evs, via_a, 3, 5, kHour);
  Ev via_b = via_a;
  via_b.app = "app-b";
  evs.push_back(via_b.At(kT0 + 3 * kDay + 9 * kHour));
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_UserAppAnomaly"), 1u);
  EXPECT_EQ(c.First("KV_UserAppAnomaly")->extended_properties().at("Application Id"), "app-b");
}

TEST_F(BaselineDetectorsTest, UserAppQuietWhileTheUserIsStillBeingLearned) {
  Ev via_a;
  via_a.app = "app-a";
  std::vector<Ev> evs;
  Daily(&evs, via_a, 1, 5, kHour);  // one day of history: learning_period is 2 d
  Ev via_b = via_a;
  via_b.app = "app-b";
  evs.push_back(via_b.At(kT0 + 1 * kDay + 9 * kHour));
  EXPECT_EQ(Run(evs).Count("KV_UserAppAnomaly"), 0u);
}

// A caller seen only from Microsoft or internal addresses comes from an external one.
TEST_F(BaselineDetectorsTest, UnusualIpFiresForTheFirstExternalAddress) {
  std::vector<Ev> evs;
  Ev internal;
  internal.ip = "10.1.2.3";
  Daily(&evs, Ev{}, 3, 3, kHour);  // 20.1.1.1: Microsoft
  Daily(&evs, internal, 3, 1, kHour, kT0 + 14 * kHour);
  Ev outside;
  outside.ip = "198.51.100.10";
  evs.push_back(outside.At(kT0 + 3 * kDay + 9 * kHour));
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_UnusualAccessSuspiciousIP"), 1u);
  const std::string reasons =
      c.First("KV_UnusualAccessSuspiciousIP")->extended_properties().at("Alert Reasons");
  EXPECT_NE(reasons.find("198.51.100.10"), std::string::npos) << reasons;
}

TEST_F(BaselineDetectorsTest, UnusualIpQuietForACallerThatUsesExternalAddresses) {
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 3, 3, kHour);
  Ev home;
  home.ip = "198.51.100.77";  // external, already in its history
  evs.push_back(home.At(kT0 + 12 * kHour));
  Ev outside;
  outside.ip = "198.51.100.10";
  evs.push_back(outside.At(kT0 + 3 * kDay + 9 * kHour));
  EXPECT_EQ(Run(evs).Count("KV_UnusualAccessSuspiciousIP"), 0u);
}

// A caller on far more vaults in 24 h than on its busiest baseline day.
TEST_F(BaselineDetectorsTest, AccountVolumeFiresForACallerOnManyMoreVaults) {
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 4, 3, kHour);  // kv-1 only: one vault a day
  for (int v = 0; v < 6; ++v) {
    Ev e;
    e.vault = "kv-x" + std::to_string(v);
    evs.push_back(e.At(kT0 + 4 * kDay + 9 * kHour + v * kMin));
  }
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_AccountVolumeAnomaly"), 1u);
  EXPECT_EQ(c.First("KV_AccountVolumeAnomaly")->extended_properties().at("Vaults In 24h"), "5");
}

TEST_F(BaselineDetectorsTest, AccountVolumeQuietForACallerThatRoamsAsMuchDaily) {
  std::vector<Ev> evs;
  for (int d = 0; d < 4; ++d) {
    for (int v = 0; v < 4; ++v) {  // 4 vaults a day: 12 are needed
      Ev e;
      e.vault = "kv-" + std::to_string(v);
      evs.push_back(e.At(kT0 + d * kDay + 8 * kHour + v * kMin));
    }
  }
  for (int v = 0; v < 8; ++v) {
    Ev e;
    e.vault = "kv-x" + std::to_string(v);
    evs.push_back(e.At(kT0 + 4 * kDay + 9 * kHour + v * kMin));
  }
  EXPECT_EQ(Run(evs).Count("KV_AccountVolumeAnomaly"), 0u);
}

// A caller denied on far more vaults in 24 h than on its worst baseline day.
TEST_F(BaselineDetectorsTest, AccountVolumeDeniedFiresForDenialsOnManyVaults) {
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 4, 3, kHour);  // never denied
  for (int v = 0; v < 3; ++v) {
    Ev e;
    e.vault = "kv-locked" + std::to_string(v);
    e.outcome = v1::OUTCOME_DENIED;
    evs.push_back(e.At(kT0 + 4 * kDay + 9 * kHour + v * kMin));
  }
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_AccountVolumeAccessDeniedAnomaly"), 1u);
  EXPECT_EQ(c.First("KV_AccountVolumeAccessDeniedAnomaly")
                ->extended_properties()
                .at("Vaults Denied In 24h"),
            "3");
}

TEST_F(BaselineDetectorsTest, AccountVolumeDeniedQuietForACallerDeniedAsWidelyBefore) {
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 4, 3, kHour);
  for (int d = 0; d < 4; ++d) {
    for (int v = 0; v < 3; ++v) {  // denied on 3 vaults a day: 9 are needed
      Ev e;
      e.vault = "kv-probe" + std::to_string(v);
      e.outcome = v1::OUTCOME_DENIED;
      evs.push_back(e.At(kT0 + d * kDay + 12 * kHour + v * kMin));
    }
  }
  for (int v = 0; v < 5; ++v) {
    Ev e;
    e.vault = "kv-locked" + std::to_string(v);
    e.outcome = v1::OUTCOME_DENIED;
    evs.push_back(e.At(kT0 + 4 * kDay + 9 * kHour + v * kMin));
  }
  EXPECT_EQ(Run(evs).Count("KV_AccountVolumeAccessDeniedAnomaly"), 0u);
}

// A caller with an established history reads an object it has not read for rare_history.
TEST_F(BaselineDetectorsTest, RareSecretFiresForANewNameAfterTheHistory) {
  config_.rare_history = Duration::Days(3);
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 4, 3, kHour);  // db-password, days 0-3
  Ev rare;
  rare.target = "root-signing-key";
  evs.push_back(rare.At(kT0 + 4 * kDay + 9 * kHour));
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_RareSecretAccess"), 1u);
  EXPECT_EQ(c.First("KV_RareSecretAccess")->extended_properties().at("Object Name"),
            "root-signing-key");
}

TEST_F(BaselineDetectorsTest, RareSecretQuietBeforeTheCallerHasRareHistory) {
  config_.rare_history = Duration::Days(3);
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 3, 3, kHour);  // learned (2 d) but known for under 3 d
  Ev rare;
  rare.target = "root-signing-key";
  evs.push_back(rare.At(kT0 + 2 * kDay + 20 * kHour));
  EXPECT_EQ(Run(evs).Count("KV_RareSecretAccess"), 0u);
}

// Reasons name operations as Azure does ("SecretGet"), not by the enum ("OP_SECRET_GET").
TEST_F(BaselineDetectorsTest, ExcessiveRetrievalReasonsUseAzureOperationNames) {
  std::vector<Ev> evs;
  Daily(&evs, Ev{}, 3, 3, kHour);
  for (int i = 0; i < 12; ++i) {
    Ev r = i % 3 == 0 ? Ev{}.Op("SecretList", v1::OP_SECRET_LIST, v1::OBJECT_TYPE_SECRET) : Ev{};
    evs.push_back(r.At(kT0 + 3 * kDay + 12 * kHour + i * 4 * kSec));
  }
  Collect c = Run(evs);
  ASSERT_EQ(c.Count("KV_ExcessiveRetrieval"), 1u);
  const v1::Alert& a = *c.First("KV_ExcessiveRetrieval");
  const std::string reasons = a.extended_properties().at("Alert Reasons");
  EXPECT_NE(reasons.find("(SecretGet:"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find(", SecretList:"), std::string::npos) << reasons;
  EXPECT_EQ(reasons.find("OP_"), std::string::npos) << reasons;
  EXPECT_EQ(a.extended_properties().at("Suspicious Operations").find("OP_"), std::string::npos);
}

}  // namespace
}  // namespace vw::detect
