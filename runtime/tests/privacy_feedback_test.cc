// The runtime's privacy settings (key handling) and the suppression rule the detect
// stage applies from the feedback tracker's snapshot, and their metrics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <variant>

#include "alerts/suppression.h"
#include "runtime/config.h"
#include "runtime/feedback_tracker.h"
#include "runtime/metrics.h"
#include "runtime/privacy.h"

namespace vw::runtime {
namespace {

TEST(PrivacyConfigTest, ModesAndKeySources) {
  auto c = ParsePipelineConfig("", "p.yaml", "");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->pseudonymise, "none");
  EXPECT_EQ(c->key_env, "VW_PSEUDONYM_KEY");
  EXPECT_EQ(c->feedback.name, "kv.feedback");
  EXPECT_EQ(c->feedback.partitions, 1);
  auto s = ParsePipelineConfig(
      "privacy: {pseudonymise: state, key_file: pseudo.key}\ntopics: {feedback: {name: fb}}",
      "p.yaml", "/etc/vw");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->pseudonymise, "state");
  EXPECT_EQ(s->key_file, "/etc/vw/pseudo.key");
  EXPECT_EQ(s->feedback.name, "fb");
  auto bad = ParsePipelineConfig("privacy: {pseudonymise: everything}", "p.yaml", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("privacy.pseudonymise"), std::string::npos);
  EXPECT_FALSE(
      ParsePipelineConfig("privacy: {pseudonymise: alerts, key_env: ''}", "p.yaml", "").ok());
  bool documented = false;
  for (const auto& f : PipelineConfigTable()) documented |= f.name == "privacy.key_env";
  EXPECT_TRUE(documented);
}

TEST(PrivacyConfigTest, MissingOrShortKeyStopsStartUpWithoutEchoingIt) {
  PipelineConfig c;
  EXPECT_EQ(LoadPrivacy(c)->mode, PseudonymiseMode::kNone);
  EXPECT_EQ(LoadPrivacy(c)->pseudonymiser, nullptr);
  c.pseudonymise = "state";
  c.key_env = "VW_RUNTIME_TEST_KEY";
  ::unsetenv("VW_RUNTIME_TEST_KEY");
  auto missing = LoadPrivacy(c);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("VW_RUNTIME_TEST_KEY"), std::string::npos);
  ::setenv("VW_RUNTIME_TEST_KEY", "short-secret", 1);
  auto shorter = LoadPrivacy(c);
  ASSERT_FALSE(shorter.ok());
  EXPECT_EQ(shorter.status().ToString().find("short-secret"), std::string::npos);
  ::setenv("VW_RUNTIME_TEST_KEY", "a-key-of-at-least-sixteen-bytes", 1);
  auto ok = LoadPrivacy(c);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->mode, PseudonymiseMode::kState);
  ASSERT_NE(ok->pseudonymiser, nullptr);

  // A key file wins over the variable; a missing file is an error naming the file.
  c.pseudonymise = "alerts";
  c.key_file = (std::filesystem::temp_directory_path() / "vw-runtime-test-missing.key").string();
  auto no_file = LoadPrivacy(c);
  ASSERT_FALSE(no_file.ok());
  EXPECT_NE(no_file.status().message().find("vw-runtime-test-missing.key"), std::string::npos);
  ::unsetenv("VW_RUNTIME_TEST_KEY");
}

alerts::AlertRecord Alert(const std::string& id, const std::string& type, const std::string& vault,
                          const std::string& account, int64_t generated_us) {
  alerts::AlertRecord a;
  a.id = id;
  a.type = type;
  a.azure_resource_id = vault;
  a.accounts = {account};
  a.generated_us = generated_us;
  return a;
}

// The tracker resolves verdicts with alerts::AlertFilter; the detect stage decides with
// IsSuppressed on the published snapshot. Both must agree on the rule.
TEST(FeedbackTest, SuppressesLaterAlertsOfTheSameTypeAndEntityOnly) {
  alerts::AlertFilter filter;
  const auto judged = Alert("a1", "KV_MassSecretRetrieval", "/v/1", "user-1", 100);
  filter.Remember(judged);
  alerts::Verdict v;
  v.alert_id = "a1";
  v.time_us = 150;
  v.expires_us = 1000;
  filter.AddVerdict(v);
  const auto& sup = filter.suppressions();
  ASSERT_EQ(sup.size(), 1u);

  EXPECT_FALSE(IsSuppressed(sup, judged)) << "the judged alert itself is never suppressed";
  EXPECT_TRUE(IsSuppressed(sup, Alert("a2", "KV_MassSecretRetrieval", "/v/1", "user-1", 150)));
  EXPECT_TRUE(IsSuppressed(sup, Alert("a3", "KV_MassSecretRetrieval", "/v/1", "user-1", 999)));
  EXPECT_FALSE(IsSuppressed(sup, Alert("a4", "KV_MassSecretRetrieval", "/v/1", "user-1", 149)))
      << "before the verdict's time";
  EXPECT_FALSE(IsSuppressed(sup, Alert("a5", "KV_MassSecretRetrieval", "/v/1", "user-1", 1000)))
      << "expired";
  EXPECT_FALSE(IsSuppressed(sup, Alert("a6", "KV_MassSecretRetrieval", "/v/2", "user-1", 500)))
      << "another vault (entity scope)";
  EXPECT_FALSE(IsSuppressed(sup, Alert("a7", "KV_MassSecretRetrieval", "/v/1", "user-2", 500)))
      << "another caller";
  EXPECT_FALSE(IsSuppressed(sup, Alert("a8", "KV_ListGetAnomaly", "/v/1", "user-1", 500)))
      << "another type";
  // Same decisions as AlertFilter::Keep.
  for (const auto& a : {Alert("b1", "KV_MassSecretRetrieval", "/v/1", "user-1", 500),
                        Alert("b2", "KV_MassSecretRetrieval", "/v/2", "user-1", 500)}) {
    EXPECT_EQ(IsSuppressed(sup, a), !filter.Keep(a)) << a.id;
  }
}

// What docs/feedback.md ("Feedback in the pipeline: what is deterministic") relies on: the
// suppressions, and so each alert's keep/suppress decision, depend only on which alert and verdict
// records the tracker has read, not on the order it read them in; and reading more never lifts a
// suppression. So work redone after an abort or a restart (whose tracker has read at least as
// much) suppresses the same alerts or more, never fewer, and with the same records read, the same.
TEST(FeedbackTest, DecisionsDependOnTheRecordsReadNotTheirOrderAndOnlyGrow) {
  auto verdict = [](const std::string& id, int64_t time, int64_t expires, alerts::Scope scope,
                    alerts::VerdictKind kind = alerts::VerdictKind::kBenign) {
    alerts::Verdict v;
    v.alert_id = id;
    v.time_us = time;
    v.expires_us = expires;
    v.scope = scope;
    v.kind = kind;
    return v;
  };
  using Record = std::variant<alerts::AlertRecord, alerts::Verdict>;
  const std::vector<Record> records = {
      Alert("a1", "KV_MassSecretRetrieval", "/v/1", "user-1", 100),
      verdict("a1", 150, 1000, alerts::Scope::kEntity),
      Alert("a2", "KV_TORAccess", "/v/2", "user-2", 200),
      verdict("a2", 250, 0, alerts::Scope::kVault),
      verdict("a3", 300, 0, alerts::Scope::kCaller),  // may arrive before its alert
      Alert("a3", "KV_UserAnomaly", "/v/3", "user-3", 280),
      verdict("a1", 100, 0, alerts::Scope::kCaller, alerts::VerdictKind::kTruePositive),
  };
  // Alerts the detectors might produce, each under at most one of the verdicts above.
  const std::vector<alerts::AlertRecord> candidates = {
      Alert("c1", "KV_MassSecretRetrieval", "/v/1", "user-1", 500),
      Alert("c2", "KV_MassSecretRetrieval", "/v/9", "user-1", 500),
      Alert("c3", "KV_TORAccess", "/v/2", "user-7", 900),
      Alert("c4", "KV_UserAnomaly", "/v/8", "user-3", 400),
      Alert("c5", "KV_UserAnomaly", "/v/8", "user-3", 299),
      Alert("c6", "KV_MassSecretRetrieval", "/v/1", "user-1", 1000),
  };
  auto decisions = [&](const alerts::AlertFilter& f) {
    std::vector<bool> out;
    for (const auto& c : candidates) out.push_back(IsSuppressed(f.suppressions(), c));
    return out;
  };
  const std::vector<bool> expected = {true, false, true, true, false, false};
  std::vector<size_t> order(records.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  int orders = 0;
  do {
    alerts::AlertFilter filter;
    std::vector<bool> before = decisions(filter);
    for (size_t i : order) {
      if (const auto* a = std::get_if<alerts::AlertRecord>(&records[i])) {
        filter.Remember(*a);
      } else {
        filter.AddVerdict(std::get<alerts::Verdict>(records[i]));
      }
      std::vector<bool> after = decisions(filter);
      for (size_t c = 0; c < candidates.size(); ++c) {
        ASSERT_TRUE(!before[c] || after[c]) << "reading a record lifted a suppression of "
                                            << candidates[c].id << " (order #" << orders << ")";
      }
      before = after;
    }
    ASSERT_EQ(before, expected) << "order #" << orders;
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(orders, 5040);
}

TEST(FeedbackTest, MetricsCountSuppressionsAtCommitAndVerdictsByKind) {
  Metrics m;
  CounterDelta d;
  d.suppressed_by_type["KV_TORAccess"] = 2;
  EXPECT_EQ(m.suppressed_total(), 0u);
  m.AddCommitted(d);
  m.CountVerdict("benign");
  m.CountVerdict("benign");
  m.CountVerdict("bad");
  m.SetSuppressionsActive(1);
  std::string text = m.RenderPrometheus();
  EXPECT_EQ(m.suppressed_total(), 2u);
  EXPECT_NE(text.find("vaultwatch_alerts_suppressed_total{type=\"KV_TORAccess\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("vaultwatch_feedback_verdicts_total{verdict=\"benign\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("vaultwatch_feedback_verdicts_total{verdict=\"bad\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("vaultwatch_suppressions_active 1\n"), std::string::npos);
}

}  // namespace
}  // namespace vw::runtime
