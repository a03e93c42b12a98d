#include "generator/scorer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/time_format.h"

namespace vw::gen {
namespace {

constexpr int64_t kMin = 60LL * 1000000;

EventTime At(const char* t) { return *ParseRfc3339(t); }

Label MakeLabel(const char* type, const char* role, const char* vault, const char* caller,
                const char* ip) {
  Label l;
  l.scenario = std::string(type) + "-1";
  l.alert_type = type;
  l.role = role;
  l.vault = vault;
  l.caller = caller;
  l.ip = ip;
  l.start = At("2026-01-19T10:00:00Z");
  l.end = At("2026-01-19T10:05:00Z");
  return l;
}

AlertRecord MakeAlert(const char* id, const char* type, const char* vault, const char* account,
                      const char* ip, const char* start = "2026-01-19T10:01:00Z",
                      const char* end = "2026-01-19T10:04:00Z") {
  AlertRecord a;
  a.id = id;
  a.type = type;
  a.resource = vault;
  if (*account) a.accounts.push_back(account);
  if (*ip) a.ips.push_back(ip);
  a.start = At(start);
  a.end = At(end);
  return a;
}

TEST(ScorerTest, MatchesOnTypeWindowAndEveryPinnedEntity) {
  Label l = MakeLabel("KV_TORAccess", "primary", "/v/kv-1", "oid-1", "192.0.2.11");
  EXPECT_TRUE(
      AlertMatchesLabel(MakeAlert("a", "KV_TORAccess", "/v/kv-1", "oid-1", "192.0.2.11"), l));
  EXPECT_FALSE(
      AlertMatchesLabel(MakeAlert("a", "KV_UserAnomaly", "/v/kv-1", "oid-1", "192.0.2.11"), l));
  EXPECT_FALSE(
      AlertMatchesLabel(MakeAlert("a", "KV_TORAccess", "/v/kv-2", "oid-1", "192.0.2.11"), l));
  EXPECT_FALSE(
      AlertMatchesLabel(MakeAlert("a", "KV_TORAccess", "/v/kv-1", "oid-2", "192.0.2.11"), l));
  EXPECT_FALSE(
      AlertMatchesLabel(MakeAlert("a", "KV_TORAccess", "/v/kv-1", "oid-1", "192.0.2.23"), l));
  // Window: [start - 10 min, end + 24 h].
  EXPECT_TRUE(AlertMatchesLabel(MakeAlert("a", "KV_TORAccess", "/v/kv-1", "oid-1", "192.0.2.11",
                                          "2026-01-19T09:40:00Z", "2026-01-19T09:51:00Z"),
                                l));
  EXPECT_FALSE(AlertMatchesLabel(MakeAlert("a", "KV_TORAccess", "/v/kv-1", "oid-1", "192.0.2.11",
                                           "2026-01-19T09:40:00Z", "2026-01-19T09:49:00Z"),
                                 l));
  EXPECT_TRUE(AlertMatchesLabel(MakeAlert("a", "KV_TORAccess", "/v/kv-1", "oid-1", "192.0.2.11",
                                          "2026-01-20T10:05:00Z", "2026-01-20T11:00:00Z"),
                                l));
  EXPECT_FALSE(AlertMatchesLabel(MakeAlert("a", "KV_TORAccess", "/v/kv-1", "oid-1", "192.0.2.11",
                                           "2026-01-20T10:06:00Z", "2026-01-20T11:00:00Z"),
                                 l));
  // Empty label fields match anything.
  Label any_vault = MakeLabel("KV_AccountVolumeAnomaly", "primary", "", "oid-1", "");
  EXPECT_TRUE(AlertMatchesLabel(MakeAlert("a", "KV_AccountVolumeAnomaly", "/v/kv-9", "oid-1", ""),
                                any_vault));
}

TEST(ScorerTest, RecallFalsePositivesIncidentalAndDuplicates) {
  std::vector<Label> labels = {
      MakeLabel("KV_TORAccess", "primary", "/v/kv-1", "oid-1", ""),
      MakeLabel("KV_ListGetAnomaly", "primary", "/v/kv-2", "oid-2", ""),
      MakeLabel("KV_MassSecretRetrieval", "incidental", "/v/kv-2", "oid-2", ""),
  };
  std::vector<AlertRecord> alerts = {
      MakeAlert("id-1", "KV_TORAccess", "/v/kv-1", "oid-1", ""),
      MakeAlert("id-1", "KV_TORAccess", "/v/kv-1", "oid-1", ""),            // duplicate
      MakeAlert("id-2", "KV_MassSecretRetrieval", "/v/kv-2", "oid-2", ""),  // incidental
      MakeAlert("id-3", "KV_SensitiveOperation", "/v/kv-3", "oid-3", ""),   // false positive
  };
  ScoreOptions opt;
  opt.benign_events = 2000000;
  opt.max_duplicates = -1;
  ScoreReport r = Score(alerts, labels, opt);
  EXPECT_EQ(r.labels, 2);
  EXPECT_EQ(r.detected, 1);
  EXPECT_EQ(r.by_type["KV_TORAccess"].detected, 1);
  EXPECT_EQ(r.by_type["KV_ListGetAnomaly"].detected, 0);
  EXPECT_EQ(r.alerts, 3);
  EXPECT_EQ(r.incidental, 1);
  EXPECT_EQ(r.false_positives, 1);
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_DOUBLE_EQ(r.fp_per_million, 0.5);
  ASSERT_EQ(r.missed.size(), 1u);
  EXPECT_TRUE(r.passed());

  opt.min_recall = 1.0;
  opt.max_fp_per_million = 0.4;
  opt.max_duplicates = 0;
  ScoreReport strict = Score(alerts, labels, opt);
  EXPECT_FALSE(strict.passed());
  EXPECT_EQ(strict.failures.size(), 3u);  // ListGet recall, FP rate, duplicates
  std::string text = FormatReport(strict);
  EXPECT_NE(text.find("KV_ListGetAnomaly"), std::string::npos);
  EXPECT_NE(text.find("FAIL"), std::string::npos);

  opt.benign_events = -1;
  opt.min_recall = -1;
  opt.max_duplicates = -1;
  EXPECT_FALSE(Score(alerts, labels, opt).passed())
      << "an FP threshold without an event count cannot pass";
}

class ScorerFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vw_scorer_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const char* name, const std::string& text) {
    std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  std::filesystem::path dir_;
};

TEST_F(ScorerFileTest, ReadsContractShapedFiles) {
  std::string alerts = Write(
      "alerts.jsonl",
      R"({"SystemAlertId":"8c1e0000-0000-4000-8000-000000000001","AlertType":"KV_ListGetAnomaly","AlertDisplayName":"x",)"
      R"("Severity":"Medium","StartTimeUtc":"2026-01-19T10:01:00.000000Z","EndTimeUtc":"2026-01-19T10:03:00.000000Z",)"
      R"("TimeGenerated":"2026-01-19T10:04:00.000000Z","ProductName":"vaultwatch",)"
      R"("AzureResourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-1","CompromisedEntity":"kv-1",)"
      R"("Entities":[{"$id":"1","Type":"azure-resource","ResourceId":"x"},{"$id":"2","Type":"account","AadUserId":"OID-1","AppId":"app-1"},)"
      R"({"$id":"3","Type":"ip","Address":"203.0.113.9"}],"ExtendedProperties":{"Alert Reasons":"r"},"RemediationSteps":["s"]})"
      "\n\n");
  std::string labels = Write(
      "labels.jsonl",
      R"({"scenario":"list-get-1","AlertType":"KV_ListGetAnomaly","vault":"/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-1",)"
      R"("caller":"oid-1","ip":"","start":"2026-01-19T10:00:00.000000Z","end":"2026-01-19T10:05:00.000000Z"})"
      "\n");
  auto a = LoadAlerts(alerts);
  ASSERT_TRUE(a.ok()) << a.status();
  auto l = LoadLabels(labels);
  ASSERT_TRUE(l.ok()) << l.status();
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ((*l)[0].role, "primary");
  ScoreReport r = Score(*a, *l, {});
  EXPECT_EQ(r.detected, 1);
  EXPECT_EQ(r.false_positives, 0);

  auto bad = LoadAlerts(Write("bad.jsonl", "{\"SystemAlertId\":\"x\"}\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(":1:"), std::string::npos) << bad.status();
  EXPECT_FALSE(LoadAlerts(Write("garbage.jsonl", "{not json\n")).ok());
  EXPECT_FALSE(LoadAlerts((dir_ / "missing").string()).ok());
  auto summary = LoadBenignEvents(Write("s.json", "{\"events_benign\":1234,\"events_attack\":5}"));
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(*summary, 1234);
}

}  // namespace
}  // namespace vw::gen
