// IsSuppressed on a v1::Alert decides as IsSuppressed on what ParseAlertJson reads back from each
// rendering: the detect stage decides before rendering, the feedback tracker resolves verdicts
// from the rendered lines of kv.alerts, and the two must compare like for like.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "alerts/suppression.h"
#include "processors/detectors/alert_formats.h"

namespace vw::alerts {
namespace {

constexpr int64_t kT = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z

v1::Alert MakeAlert(const std::string& id, const std::string& type, int64_t generated,
                    const std::string& vault) {
  v1::Alert a;
  a.set_system_alert_id(id);
  a.set_alert_type(type);
  a.set_display_name("display");
  a.set_description("description");
  a.set_severity(v1::SEVERITY_MEDIUM);
  a.set_start_time_us(generated - 60000000);
  a.set_end_time_us(generated);
  a.set_generated_time_us(generated + 123457);  // microseconds survive the text form
  a.set_azure_resource_id(vault);
  a.set_compromised_entity("Alice@Contoso.com");
  v1::AlertEntity* r = a.add_entities();
  r->set_type("azure-resource");
  r->set_resource_id(vault);
  return a;
}

void AddAccount(v1::Alert* a, const std::string& oid, const std::string& upn,
                const std::string& app) {
  v1::AlertEntity* e = a->add_entities();
  e->set_type("account");
  e->set_aad_user_id(oid);
  e->set_upn(upn);
  e->set_app_id(app);
}

TEST(SuppressionOnAlertTest, SameDecisionAsEveryRenderingParsedBack) {
  const std::string vault_a =
      "/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-A";
  const std::string vault_b =
      "/subscriptions/0000/resourcegroups/rg/providers/"
      "microsoft.keyvault/vaults/kv-b";
  std::vector<v1::Alert> alerts;
  alerts.push_back(MakeAlert("id-1", "KV_Type", kT, vault_a));
  AddAccount(&alerts.back(), "8E2C-OID", "Alice@Contoso.com", "");
  alerts.push_back(MakeAlert("id-2", "KV_Type", kT + 3600000000LL, vault_a));
  AddAccount(&alerts.back(), "8e2c-oid", "alice@contoso.com", "");
  alerts.push_back(MakeAlert("id-3", "KV_Type", kT + 7200000000LL, vault_b));
  AddAccount(&alerts.back(), "", "", "APP-1");
  AddAccount(&alerts.back(), "8e2c-oid", "", "");
  v1::AlertEntity* ip = alerts.back().add_entities();
  ip->set_type("ip");
  ip->set_address("203.0.113.9");
  alerts.push_back(MakeAlert("id-4", "KV_Other", kT + 7200000000LL, vault_b));
  alerts.push_back(MakeAlert("id-5", "KV_Type", kT - 1, vault_a));  // before the verdicts
  AddAccount(&alerts.back(), "8e2c-oid", "alice@contoso.com", "");

  // Suppressions made as the tracker makes them: from the parsed Defender line of the judged
  // alert, for each scope, open-ended and bounded.
  Result<AlertRecord> judged =
      ParseAlertJson(detect::RenderAlert(alerts[0], detect::AlertFormat::kDefender));
  ASSERT_TRUE(judged.ok()) << judged.status();
  std::vector<std::vector<Suppression>> cases;
  for (Scope scope : {Scope::kEntity, Scope::kCaller, Scope::kVault}) {
    for (int64_t until : {int64_t{0}, int64_t{kT + 3600000000LL}}) {
      Suppression s;
      s.alert_type = judged->type;
      s.key = SuppressionKey(*judged, scope);
      s.scope = scope;
      s.from_us = kT;
      s.until_us = until;
      s.source_alert_id = judged->id;
      cases.push_back({s});
    }
  }
  int suppressed = 0, kept = 0;
  for (const auto& suppressions : cases) {
    for (const v1::Alert& a : alerts) {
      const bool direct = IsSuppressed(suppressions, a);
      for (detect::AlertFormat f : {detect::AlertFormat::kDefender, detect::AlertFormat::kOcsf,
                                    detect::AlertFormat::kEcs}) {
        Result<AlertRecord> back = ParseAlertJson(detect::RenderAlert(a, f));
        ASSERT_TRUE(back.ok()) << back.status();
        EXPECT_EQ(direct, IsSuppressed(suppressions, *back))
            << a.system_alert_id() << " format " << static_cast<int>(f) << " scope "
            << ScopeName(suppressions[0].scope);
      }
      (direct ? suppressed : kept) += 1;
    }
  }
  // Both outcomes occur, so the comparison above is not vacuous.
  EXPECT_GT(suppressed, 3);
  EXPECT_GT(kept, 3);
  EXPECT_FALSE(IsSuppressed({}, alerts[1]));

  // AlertFilter (detect --feedback) on the alerts themselves decides as on their lines parsed
  // back, the judged alert being resolved from either.
  for (Scope scope : {Scope::kEntity, Scope::kCaller, Scope::kVault}) {
    AlertFilter on_alert, on_line;
    Verdict v;
    v.alert_id = "id-1";
    v.scope = scope;
    v.time_us = kT;
    on_alert.AddVerdict(v);
    on_line.AddVerdict(v);
    for (const v1::Alert& a : alerts) {
      Result<AlertRecord> back =
          ParseAlertJson(detect::RenderAlert(a, detect::AlertFormat::kDefender));
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(on_alert.Keep(a), on_line.Keep(*back))
          << a.system_alert_id() << " scope " << ScopeName(scope);
    }
    EXPECT_GT(on_alert.stats().suppressed, 0u) << ScopeName(scope);
    EXPECT_EQ(on_alert.stats().suppressed, on_line.stats().suppressed);
  }
}

}  // namespace
}  // namespace vw::alerts
