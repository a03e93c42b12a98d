// ParseAlertJson reads the OCSF and ECS renderings back to the same AlertRecord as the Defender
// one: feedback suppression, timelines and reports must not depend on a deployment's
// alert_format.
#include "processors/detectors/alert_formats.h"

#include <gtest/gtest.h>

#include <string>

#include "forensics/alert_record.h"
#include "processors/detectors/alert.h"
#include "processors/detectors/config.h"

namespace vw::forensics {
namespace {

v1::Alert Sample(const std::string& type) {
  const detect::AlertSpec& spec = detect::SpecFor(type);
  v1::Alert a;
  a.set_alert_type(type);
  a.set_system_alert_id(detect::MakeAlertId(type, "kv|x", 42));
  a.set_display_name(std::string(spec.display_name));
  a.set_description(std::string(spec.description));
  a.set_severity(spec.severity);
  for (std::string_view i : spec.intents) a.add_intent(std::string(i));
  a.set_start_time_us(1700000000123456);
  a.set_end_time_us(1700000001000000);
  a.set_generated_time_us(1700000002000001);
  a.set_azure_resource_id(
      "/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/KV");
  a.set_compromised_entity("KV");
  auto* r = a.add_entities();
  r->set_type("azure-resource");
  r->set_resource_id(a.azure_resource_id());
  auto* u = a.add_entities();
  u->set_type("account");
  u->set_aad_user_id("OID-1");
  u->set_upn("Alice@Contoso.com");
  auto* app = a.add_entities();
  app->set_type("account");
  app->set_app_id("APP-2");
  for (const char* addr : {"203.0.113.7", "fd00::1"}) {
    auto* ip = a.add_entities();
    ip->set_type("ip");
    ip->set_address(addr);
  }
  (*a.mutable_extended_properties())["Alert Reasons"] = "listed then read 40 secrets";
  return a;
}

void ExpectSameRecord(const AlertRecord& want, const AlertRecord& got) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.type, want.type);
  EXPECT_EQ(got.display_name, want.display_name);
  EXPECT_EQ(got.severity, want.severity);
  EXPECT_EQ(got.description, want.description);
  EXPECT_EQ(got.reasons, want.reasons);
  EXPECT_EQ(got.azure_resource_id, want.azure_resource_id);
  EXPECT_EQ(got.compromised_entity, want.compromised_entity);
  EXPECT_EQ(got.start_us, want.start_us);
  EXPECT_EQ(got.end_us, want.end_us);
  EXPECT_EQ(got.generated_us, want.generated_us);
  EXPECT_EQ(got.accounts, want.accounts);
  EXPECT_EQ(got.ips, want.ips);
}

TEST(AlertFormatsParseTest, EveryFormatParsesToTheDefenderRecord) {
  for (const std::string& type : detect::AllAlertTypes()) {
    SCOPED_TRACE(type);
    v1::Alert a = Sample(type);
    Result<AlertRecord> defender = ParseAlertJson(detect::AlertJson(a));
    ASSERT_TRUE(defender.ok()) << defender.status();
    EXPECT_EQ(defender->accounts.size(), 3u);
    EXPECT_EQ(defender->ips.size(), 2u);
    for (detect::AlertFormat f : {detect::AlertFormat::kOcsf, detect::AlertFormat::kEcs}) {
      SCOPED_TRACE(std::string(detect::AlertFormatName(f)));
      std::string line = detect::RenderAlert(a, f);
      Result<AlertRecord> got = ParseAlertJson(line);
      ASSERT_TRUE(got.ok()) << got.status();
      ExpectSameRecord(*defender, *got);
      EXPECT_EQ(got->json, line);
    }
  }
}

TEST(AlertFormatsParseTest, ForeignDocumentsAreRefused) {
  // Another OCSF class, and OCSF/ECS documents that vaultwatch did not write.
  EXPECT_FALSE(ParseAlertJson(R"({"class_uid":3002,"finding_info":{"uid":"x"}})").ok());
  EXPECT_FALSE(ParseAlertJson(R"({"class_uid":2004,"finding_info":{"uid":"x"}})").ok());
  EXPECT_FALSE(ParseAlertJson(R"({"ecs":{"version":"8.11.0"},"event":{"id":"x"}})").ok());
  // A rendering with a time removed names the field.
  std::string ocsf = detect::AlertOcsfJson(Sample("KV_TORAccess"));
  std::string::size_type at = ocsf.find("\"time_dt\"");
  ASSERT_NE(at, std::string::npos);
  ocsf.replace(at, 9, "\"time_xx\"");
  Result<AlertRecord> bad = ParseAlertJson(ocsf);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("time_dt"), std::string::npos) << bad.status();
}

}  // namespace
}  // namespace vw::forensics
