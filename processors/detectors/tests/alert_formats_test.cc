// The OCSF and ECS renderings (alert_formats.h): every alert type renders a document with the
// attributes its schema requires (OCSF 1.1.0 base event + Detection Finding + the cloud and
// datetime profiles; ECS's @timestamp/ecs.version and what Elastic's alert views key on), with
// values that say the same as the Defender rendering.
#include "processors/detectors/alert_formats.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "processors/detectors/alert.h"
#include "processors/detectors/config.h"

namespace vw::detect {
namespace {

v1::Alert SampleAlert(const std::string& type) {
  const AlertSpec& spec = SpecFor(type);
  v1::Alert a;
  a.set_alert_type(type);
  a.set_system_alert_id(MakeAlertId(type, "kv1|caller", 1700000000000000));
  a.set_display_name(std::string(spec.display_name));
  a.set_description(std::string(spec.description) + " \"quoted\"\n");
  a.set_severity(spec.severity);
  for (std::string_view i : spec.intents) a.add_intent(std::string(i));
  for (std::string_view r : spec.remediation) a.add_remediation_steps(std::string(r));
  a.set_start_time_us(1700000000123456);
  a.set_end_time_us(1700000060000001);
  a.set_generated_time_us(1700000120000000);
  a.set_azure_resource_id(
      "/SUBSCRIPTIONS/0b1f6471-1bf0-4dda-aec3-111122223333/RESOURCEGROUPS/rg/PROVIDERS/"
      "MICROSOFT.KEYVAULT/VAULTS/kv1");
  a.set_compromised_entity("kv1");
  auto* vault = a.add_entities();
  vault->set_type("azure-resource");
  vault->set_resource_id(a.azure_resource_id());
  auto* user = a.add_entities();
  user->set_type("account");
  user->set_aad_user_id("11111111-2222-3333-4444-555555555555");
  user->set_upn("alice@contoso.com");
  user->set_app_id("04b07795-8ddb-461a-bbee-02f9e1bf7b46");
  auto* ip = a.add_entities();
  ip->set_type("ip");
  ip->set_address("203.0.113.7");
  (*a.mutable_extended_properties())["Alert Reasons"] = "why";
  (*a.mutable_extended_properties())["Client IP Address"] = "203.0.113.7";
  return a;
}

simdjson::dom::element Parse(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  return doc;
}

std::string Str(simdjson::dom::element e, std::string_view pointer) {
  std::string_view v;
  if (e.at_pointer(pointer).get_string().get(v) != simdjson::SUCCESS) return "<missing>";
  return std::string(v);
}

int64_t Int(simdjson::dom::element e, std::string_view pointer) {
  int64_t v = -1;
  if (e.at_pointer(pointer).get_int64().get(v) != simdjson::SUCCESS) return -1;
  return v;
}

bool Has(simdjson::dom::element e, std::string_view pointer) {
  simdjson::dom::element x;
  return e.at_pointer(pointer).get(x) == simdjson::SUCCESS;
}

TEST(AlertFormatsTest, ParseNames) {
  EXPECT_EQ(*ParseAlertFormat("defender"), AlertFormat::kDefender);
  EXPECT_EQ(*ParseAlertFormat("ocsf"), AlertFormat::kOcsf);
  EXPECT_EQ(*ParseAlertFormat("ecs"), AlertFormat::kEcs);
  EXPECT_FALSE(ParseAlertFormat("OCSF").ok());
  EXPECT_FALSE(ParseAlertFormat("").ok());
  for (AlertFormat f : {AlertFormat::kDefender, AlertFormat::kOcsf, AlertFormat::kEcs}) {
    EXPECT_EQ(*ParseAlertFormat(AlertFormatName(f)), f);
  }
}

TEST(AlertFormatsTest, DefenderIsTheAlertJsonRendering) {
  v1::Alert a = SampleAlert("KV_TORAccess");
  EXPECT_EQ(RenderAlert(a, AlertFormat::kDefender), AlertJson(a));
}

TEST(AlertFormatsTest, EveryIntentHasAMitreTactic) {
  for (const std::string& t : AllAlertTypes()) {
    for (std::string_view intent : SpecFor(t).intents) {
      EXPECT_FALSE(TacticOf(intent).id.empty()) << t << " " << intent;
    }
  }
  EXPECT_EQ(TacticOf("CredentialAccess").id, "TA0006");
  EXPECT_EQ(TacticOf("CredentialAccess").name, "Credential Access");
  EXPECT_TRUE(TacticOf("NoSuchTactic").id.empty());
}

TEST(AlertFormatsTest, OcsfDetectionFindingHasTheRequiredAttributes) {
  for (const std::string& type : AllAlertTypes()) {
    SCOPED_TRACE(type);
    v1::Alert a = SampleAlert(type);
    std::string json = AlertOcsfJson(a);
    EXPECT_EQ(json.find('\n'), std::string::npos);
    simdjson::dom::parser parser;
    simdjson::dom::element d = Parse(parser, json);
    // Base event: required.
    EXPECT_EQ(Int(d, "/class_uid"), 2004);
    EXPECT_EQ(Int(d, "/category_uid"), 2);
    EXPECT_EQ(Int(d, "/activity_id"), 1);
    EXPECT_EQ(Int(d, "/type_uid"), 2004 * 100 + 1);
    EXPECT_EQ(Int(d, "/time"), 1700000120000);
    EXPECT_EQ(Str(d, "/metadata/version"), "1.1.0");
    EXPECT_EQ(Str(d, "/metadata/product/name"), "vaultwatch");
    EXPECT_EQ(Str(d, "/metadata/product/vendor_name"), "vaultwatch");
    const int64_t sev = Int(d, "/severity_id");
    EXPECT_EQ(sev, a.severity() == v1::SEVERITY_LOW      ? 2
                   : a.severity() == v1::SEVERITY_MEDIUM ? 3
                   : a.severity() == v1::SEVERITY_HIGH   ? 4
                                                         : 1);
    EXPECT_EQ(Str(d, "/severity"), SeverityName(a.severity()));
    // Detection Finding: finding_info (required) with its required uid.
    EXPECT_EQ(Str(d, "/finding_info/uid"), a.system_alert_id());
    EXPECT_EQ(Str(d, "/finding_info/title"), a.display_name());
    EXPECT_EQ(Str(d, "/finding_info/desc"), a.description());
    EXPECT_EQ(Str(d, "/finding_info/types/0"), type);
    // analytic: type_id is required when the object is present.
    EXPECT_GE(Int(d, "/finding_info/analytic/type_id"), 1);
    EXPECT_EQ(Str(d, "/finding_info/analytic/uid"), type);
    EXPECT_EQ(Str(d, "/finding_info/attacks/0/tactic/uid"), TacticOf(a.intent(0)).id);
    EXPECT_EQ(Int(d, "/finding_info/first_seen_time"), 1700000000123);
    EXPECT_EQ(Int(d, "/finding_info/last_seen_time"), 1700000060000);
    // Profiles: cloud needs cloud.provider; datetime adds the *_dt strings.
    EXPECT_EQ(Str(d, "/metadata/profiles/0"), "cloud");
    EXPECT_EQ(Str(d, "/cloud/provider"), "Azure");
    EXPECT_EQ(Str(d, "/cloud/account/uid"), "0b1f6471-1bf0-4dda-aec3-111122223333");
    EXPECT_EQ(Str(d, "/time_dt"), "2023-11-14T22:15:20.000000Z");
    EXPECT_EQ(Str(d, "/start_time_dt"), "2023-11-14T22:13:20.123456Z");
    // Recommended: resources (the vault once), evidences (account and ip), status.
    EXPECT_EQ(Str(d, "/resources/0/uid"), a.azure_resource_id());
    EXPECT_EQ(Str(d, "/resources/0/name"), "kv1");
    EXPECT_FALSE(Has(d, "/resources/1"));
    EXPECT_EQ(Str(d, "/evidences/0/actor/user/uid"), "11111111-2222-3333-4444-555555555555");
    EXPECT_EQ(Str(d, "/evidences/0/actor/user/name"), "alice@contoso.com");
    EXPECT_EQ(Str(d, "/evidences/0/actor/app_uid"), "04b07795-8ddb-461a-bbee-02f9e1bf7b46");
    EXPECT_EQ(Str(d, "/evidences/1/src_endpoint/ip"), "203.0.113.7");
    EXPECT_EQ(Int(d, "/status_id"), 1);
    // remediation.desc is required when remediation is present.
    EXPECT_EQ(Str(d, "/remediation/desc").rfind(a.remediation_steps(0), 0), 0u);
    EXPECT_EQ(Str(d, "/unmapped/ExtendedProperties/Alert Reasons"), "why");
    EXPECT_EQ(Str(d, "/unmapped/AlertType"), type);
  }
}

TEST(AlertFormatsTest, EcsDocumentHasTheRequiredFields) {
  for (const std::string& type : AllAlertTypes()) {
    SCOPED_TRACE(type);
    v1::Alert a = SampleAlert(type);
    std::string json = AlertEcsJson(a);
    EXPECT_EQ(json.find('\n'), std::string::npos);
    simdjson::dom::parser parser;
    simdjson::dom::element d = Parse(parser, json);
    // ECS requires @timestamp and ecs.version; Elastic's alert views need event.kind=alert and
    // an allowed event.category/event.type pair.
    EXPECT_EQ(Str(d, "/@timestamp"), "2023-11-14T22:15:20.000000Z");
    EXPECT_EQ(Str(d, "/ecs/version"), "8.11.0");
    EXPECT_EQ(Str(d, "/event/kind"), "alert");
    EXPECT_EQ(Str(d, "/event/category/0"), "intrusion_detection");
    EXPECT_EQ(Str(d, "/event/type/0"), "info");
    EXPECT_EQ(Str(d, "/event/id"), a.system_alert_id());
    EXPECT_EQ(Str(d, "/event/code"), type);
    EXPECT_GE(Int(d, "/event/severity"), 1);
    EXPECT_EQ(Str(d, "/event/start"), "2023-11-14T22:13:20.123456Z");
    EXPECT_EQ(Str(d, "/event/reason"), "why");
    EXPECT_EQ(Str(d, "/rule/name"), a.display_name());
    EXPECT_EQ(Str(d, "/rule/description"), a.description());
    EXPECT_EQ(Str(d, "/message"), a.display_name());
    EXPECT_EQ(Str(d, "/threat/framework"), "MITRE ATT&CK");
    EXPECT_EQ(Str(d, "/threat/tactic/id/0"), TacticOf(a.intent(0)).id);
    EXPECT_EQ(Str(d, "/cloud/provider"), "azure");
    EXPECT_EQ(Str(d, "/cloud/account/id"), "0b1f6471-1bf0-4dda-aec3-111122223333");
    EXPECT_EQ(Str(d, "/user/id"), "11111111-2222-3333-4444-555555555555");
    EXPECT_EQ(Str(d, "/user/name"), "alice@contoso.com");
    EXPECT_EQ(Str(d, "/source/ip"), "203.0.113.7");
    EXPECT_EQ(Str(d, "/related/ip/0"), "203.0.113.7");
    EXPECT_EQ(Str(d, "/related/user/2"), "04b07795-8ddb-461a-bbee-02f9e1bf7b46");
    EXPECT_EQ(Str(d, "/vaultwatch/severity"), SeverityName(a.severity()));
    EXPECT_EQ(Str(d, "/vaultwatch/entities/1/Upn"), "alice@contoso.com");
  }
}

TEST(AlertFormatsTest, RenderingIsDeterministicAndEscapes) {
  v1::Alert a = SampleAlert("KV_ListGetAnomaly");
  for (AlertFormat f : {AlertFormat::kOcsf, AlertFormat::kEcs}) {
    EXPECT_EQ(RenderAlert(a, f), RenderAlert(a, f));
    EXPECT_NE(RenderAlert(a, f).find(R"(\"quoted\"\n)"), std::string::npos);
  }
}

TEST(AlertFormatsTest, AlertWithoutEntitiesOrSubscriptionStaysValid) {
  v1::Alert a = SampleAlert("KV_OperationVolumeAnomaly");
  a.clear_entities();
  a.set_azure_resource_id("kv-without-id");
  simdjson::dom::parser p1, p2;
  simdjson::dom::element o = Parse(p1, AlertOcsfJson(a));
  EXPECT_FALSE(Has(o, "/cloud/account"));
  EXPECT_FALSE(Has(o, "/evidences/0"));
  EXPECT_EQ(Str(o, "/cloud/provider"), "Azure");
  simdjson::dom::element e = Parse(p2, AlertEcsJson(a));
  EXPECT_FALSE(Has(e, "/user"));
  EXPECT_FALSE(Has(e, "/related"));
  EXPECT_FALSE(Has(e, "/cloud/account"));
}

}  // namespace
}  // namespace vw::detect
