// AlertFilter and verdict parsing: scopes, event-time windows, expiry, verdicts before their alert,
// bad input.
#include "alerts/suppression.h"

#include <gtest/gtest.h>

#include "base/time_format.h"

namespace vw::alerts {
namespace {

constexpr int64_t kH = 3600LL * 1000000;
const int64_t kT0 = ParseRfc3339("2026-01-10T00:00:00Z")->micros();

AlertRecord A(const std::string& id, const std::string& type, const std::string& vault,
              const std::string& account, int64_t t) {
  AlertRecord a;
  a.id = id;
  a.type = type;
  a.azure_resource_id = vault;
  if (!account.empty()) a.accounts = {account};
  a.generated_us = t;
  a.start_us = t;
  a.end_us = t;
  return a;
}

Verdict V(const std::string& id, VerdictKind k, int64_t t, Scope s = Scope::kEntity,
          int64_t expires = 0) {
  Verdict v;
  v.alert_id = id;
  v.kind = k;
  v.time_us = t;
  v.scope = s;
  v.expires_us = expires;
  return v;
}

TEST(FeedbackTest, BenignEntityScopeSuppressesSameTypeVaultAndCallerFromVerdictTime) {
  AlertFilter f;
  EXPECT_TRUE(f.Keep(A("a1", "KV_X", "v1", "u1", kT0)));
  f.AddVerdict(V("a1", VerdictKind::kBenign, kT0 + kH));
  EXPECT_TRUE(f.Keep(A("early", "KV_X", "v1", "u1", kT0 + kH - 1)));  // before the verdict
  EXPECT_FALSE(f.Keep(A("a2", "KV_X", "v1", "u1", kT0 + kH)));
  EXPECT_TRUE(f.Keep(A("a3", "KV_Y", "v1", "u1", kT0 + 2 * kH)));  // other type
  EXPECT_TRUE(f.Keep(A("a4", "KV_X", "v2", "u1", kT0 + 2 * kH)));  // other vault
  EXPECT_TRUE(f.Keep(A("a5", "KV_X", "v1", "u2", kT0 + 2 * kH)));  // other caller
  EXPECT_EQ(f.stats().suppressed, 1u);
  EXPECT_EQ(f.stats().suppressed_by_type.at("KV_X"), 1u);
  ASSERT_EQ(f.suppressions().size(), 1u);
  EXPECT_EQ(f.suppressions()[0].suppressed, 1u);
}

TEST(FeedbackTest, VaultAndCallerScopesAndExpiry) {
  AlertFilter f;
  f.Remember(A("v", "KV_X", "v1", "u1", kT0));
  f.Remember(A("c", "KV_Y", "v1", "u9", kT0));
  f.AddVerdict(V("v", VerdictKind::kBenign, kT0, Scope::kVault, kT0 + 10 * kH));
  f.AddVerdict(V("c", VerdictKind::kBenign, kT0, Scope::kCaller));
  EXPECT_FALSE(f.Keep(A("1", "KV_X", "v1", "someone", kT0 + kH)));
  EXPECT_TRUE(f.Keep(A("2", "KV_X", "v1", "someone", kT0 + 10 * kH)));  // expired
  EXPECT_TRUE(f.Keep(A("3", "KV_X", "v2", "u1", kT0 + kH)));
  EXPECT_FALSE(f.Keep(A("4", "KV_Y", "v7", "u9", kT0 + 100 * kH)));  // caller scope, no expiry
  EXPECT_TRUE(f.Keep(A("5", "KV_Y", "v1", "u8", kT0 + kH)));
  // The verdicted alert itself is never suppressed (it was published before the verdict).
  EXPECT_TRUE(f.Keep(A("v", "KV_X", "v1", "u1", kT0)));
}

TEST(FeedbackTest, TruePositiveSuppressesNothingAndVerdictMayPrecedeItsAlert) {
  AlertFilter f;
  f.AddVerdict(V("tp", VerdictKind::kTruePositive, kT0));
  f.AddVerdict(V("later", VerdictKind::kBenign, kT0));
  EXPECT_EQ(f.stats().unmatched_verdicts, 2u);
  EXPECT_TRUE(f.Keep(A("tp", "KV_X", "v1", "u1", kT0)));
  EXPECT_TRUE(f.Keep(A("x", "KV_X", "v1", "u1", kT0 + kH)));
  EXPECT_TRUE(f.Keep(A("later", "KV_Z", "v1", "u1", kT0)));
  EXPECT_EQ(f.stats().unmatched_verdicts, 0u);
  EXPECT_FALSE(f.Keep(A("y", "KV_Z", "v1", "u1", kT0 + kH)));
  EXPECT_EQ(f.stats().true_positive, 1u);
  EXPECT_EQ(f.stats().benign, 1u);
}

TEST(FeedbackTest, ParseVerdict) {
  auto v = ParseVerdict(
      R"({"SystemAlertId":"id1","verdict":"benign","time":"2026-01-10T01:00:00Z","scope":"vault",)"
      R"("expires":"2026-02-10T00:00:00Z","analyst":"jdoe","comment":"backup job"})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->alert_id, "id1");
  EXPECT_EQ(v->scope, Scope::kVault);
  EXPECT_EQ(v->time_us, kT0 + kH);
  EXPECT_GT(v->expires_us, v->time_us);
  EXPECT_EQ(v->analyst, "jdoe");
  for (
      const char* bad :
      {"not json", "{}", R"({"SystemAlertId":"x","verdict":"maybe","time":"2026-01-10T00:00:00Z"})",
       R"({"SystemAlertId":"x","verdict":"benign"})",
       R"({"SystemAlertId":"x","verdict":"benign","time":"yesterday"})",
       R"({"SystemAlertId":"x","verdict":"benign","time":"2026-01-10T00:00:00Z","scope":"all"})",
       R"({"SystemAlertId":"x","verdict":"benign","time":"2026-01-10T00:00:00Z","expires":"2026-01-09T00:00:00Z"})"}) {
    EXPECT_FALSE(ParseVerdict(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace vw::alerts
