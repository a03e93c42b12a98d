// Pseudonymiser: stable keyed pseudonyms, shapes, domain separation, key handling, event and alert
// rewriting, and detection unchanged over pseudonymised traffic (real Engine + StateStore).
#include "alerts/pseudonymise.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "governance/tests/test_traffic.h"
#include "processors/ingest/ingest.h"
#include "state/state_store.h"

namespace vw::governance {
namespace {

using alerts::PseudonymiseFields;
using alerts::Pseudonymiser;

const std::string kKey = "0123456789abcdef-test-key";

Pseudonymiser Make(const std::string& key = kKey, PseudonymiseFields f = {}) {
  auto p = Pseudonymiser::FromKey(key, f);
  EXPECT_TRUE(p.ok());
  return std::move(*p);
}

TEST(PseudonymiseTest, SameInputAndKeySamePseudonymOtherKeyOrKindDiffers) {
  Pseudonymiser a = Make(), b = Make(), c = Make("another-key-of-enough-bytes");
  EXPECT_EQ(a.ObjectId("oid-1"), b.ObjectId("oid-1"));
  EXPECT_EQ(a.Upn("alice@contoso.com"), b.Upn("alice@contoso.com"));
  EXPECT_EQ(a.IpText("203.0.113.9"), b.IpText("203.0.113.9"));
  EXPECT_NE(a.ObjectId("oid-1"), c.ObjectId("oid-1"));
  EXPECT_NE(a.ObjectId("oid-1"), a.ObjectId("oid-2"));
  EXPECT_NE(a.Upn("x@y"), a.Upn("x@z"));
  // Domain separation: the same text as a UPN and as an object id.
  EXPECT_EQ(a.ObjectId("same").find(a.Upn("same").substr(2, 8)), std::string::npos);
  EXPECT_EQ(a.ObjectId(""), "");
  EXPECT_EQ(a.Upn(""), "");
  EXPECT_EQ(a.IpBytes(""), "");
}

// The precomputed-pad HMAC equals OpenSSL's one-shot HMAC(), for keys shorter and longer than
// SHA-256's block (a longer key is hashed first).
TEST(PseudonymiseTest, PseudonymsAreHmacSha256OfKindAndValue) {
  for (const std::string& key : {kKey, std::string(100, 'k') + "-long-key"}) {
    Pseudonymiser p = Make(key);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const std::string msg = std::string("upn") + '\0' + "alice@contoso.com";
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
    ASSERT_EQ(len, 32u);
    char hex[25];
    for (int i = 0; i < 12; ++i) std::snprintf(hex + 2 * i, 3, "%02x", out[i]);
    EXPECT_EQ(p.Upn("alice@contoso.com"), std::string("u-") + hex + "@pseudonymised.invalid");
  }
}

TEST(PseudonymiseTest, ShapesStayParseable) {
  Pseudonymiser p = Make();
  EXPECT_TRUE(
      std::regex_match(p.ObjectId("c44b4083-3bb0-49c1-b47d-974e53cbdf3c"),
                       std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
  EXPECT_TRUE(std::regex_match(p.Upn("alice@contoso.com"),
                               std::regex("u-[0-9a-f]{24}@pseudonymised\\.invalid")));
  std::string v4(4, '\0');
  v4[0] = static_cast<char>(203);
  const std::string b = p.IpBytes(v4);
  ASSERT_EQ(b.size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(b[0]), 0xfd);
  EXPECT_EQ(p.IpText("203.0.113.9").rfind("fd", 0), 0u);
  EXPECT_EQ(p.IpText("203.0.113.9"),
            ingest::FormatIp(p.IpBytes(std::string("\xcb\x00\x71\x09", 4))));
  EXPECT_NE(p.IpText("203.0.113.9"), p.IpText("203.0.113.10"));
}

TEST(PseudonymiseTest, KeyFromFileOrEnvNeverInMessages) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vw-pseudo-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir + "/key") << kKey << "\n"; }
  auto f = Pseudonymiser::FromKeyFile(dir + "/key");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->ObjectId("x"), Make().ObjectId("x"));  // trailing newline stripped
  setenv("VW_TEST_PSEUDO_KEY", kKey.c_str(), 1);
  auto e = Pseudonymiser::FromEnv("VW_TEST_PSEUDO_KEY");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->Upn("a@b"), Make().Upn("a@b"));
  const std::string weak = "short-secret";
  { std::ofstream(dir + "/weak") << weak; }
  auto w = Pseudonymiser::FromKeyFile(dir + "/weak");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().ToString().find(weak), std::string::npos);
  EXPECT_FALSE(Pseudonymiser::FromEnv("VW_TEST_PSEUDO_KEY_UNSET").ok());
  EXPECT_FALSE(Pseudonymiser::FromKeyFile(dir + "/missing").ok());
  std::filesystem::remove_all(dir);
}

TEST(PseudonymiseTest, ApplyRewritesEventAndAlertIdentities) {
  Pseudonymiser p = Make();
  v1::AccessEvent e;
  e.mutable_caller()->set_object_id("oid-1");
  e.mutable_caller()->set_upn("alice@contoso.com");
  e.mutable_caller()->set_app_id("app-1");
  e.mutable_caller()->set_ip(std::string("\xcb\x00\x71\x09", 4));
  e.mutable_caller()->set_ip_text("203.0.113.9");
  e.mutable_policy_change()->add_added_object_ids("oid-2");
  e.mutable_policy_change()->add_added_permissions("oid-2:secrets=get,list");
  p.Apply(&e);
  EXPECT_EQ(e.caller().object_id(), p.ObjectId("oid-1"));
  EXPECT_EQ(e.caller().upn(), p.Upn("alice@contoso.com"));
  EXPECT_EQ(e.caller().app_id(), "app-1");  // applications are not personal data
  EXPECT_EQ(e.caller().ip_text(), p.IpText("203.0.113.9"));
  EXPECT_EQ(e.policy_change().added_object_ids(0), p.ObjectId("oid-2"));
  EXPECT_EQ(e.policy_change().added_permissions(0), p.ObjectId("oid-2") + ":secrets=get,list");

  v1::Alert a;
  auto* acc = a.add_entities();
  acc->set_type("account");
  acc->set_aad_user_id("oid-1");
  acc->set_upn("alice@contoso.com");
  auto* ip = a.add_entities();
  ip->set_type("ip");
  ip->set_address("203.0.113.9");
  a.set_description("alice@contoso.com (oid-1) from 203.0.113.9");
  (*a.mutable_extended_properties())["Client IP Address"] = "203.0.113.9";
  a.set_compromised_entity("alice@contoso.com");
  a.set_system_alert_id("94398826-1111-2222-3333-444455556666");
  (*a.mutable_extended_properties())["Principal Added And Removed"] = "oid-9";
  (*a.mutable_extended_properties())["Alert Reasons"] = "principal oid-9 added by oid-1";
  v1::Alert b = a;
  p.Apply(&a);
  EXPECT_EQ(a.extended_properties().at("Principal Added And Removed"), p.ObjectId("oid-9"));
  EXPECT_EQ(a.extended_properties().at("Alert Reasons"),
            "principal " + p.ObjectId("oid-9") + " added by " + p.ObjectId("oid-1"));
  EXPECT_TRUE(
      std::regex_match(a.system_alert_id(),
                       std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
  EXPECT_NE(a.system_alert_id(), b.system_alert_id());
  v1::Alert c = b;
  p.Apply(&c);
  EXPECT_EQ(c.system_alert_id(), a.system_alert_id());  // deterministic
  Make("another-key-of-enough-bytes").Apply(&b);
  EXPECT_NE(b.system_alert_id(), a.system_alert_id());  // keyed
  EXPECT_EQ(a.entities(0).aad_user_id(), p.ObjectId("oid-1"));
  EXPECT_EQ(a.entities(1).address(), p.IpText("203.0.113.9"));
  EXPECT_EQ(a.description(), p.Upn("alice@contoso.com") + " (" + p.ObjectId("oid-1") + ") from " +
                                 p.IpText("203.0.113.9"));
  EXPECT_EQ(a.extended_properties().at("Client IP Address"), p.IpText("203.0.113.9"));
  EXPECT_EQ(a.compromised_entity(), p.Upn("alice@contoso.com"));
}

using Collect = vw::testing::CollectingAlertSink;

std::vector<v1::Alert> Detect(const std::vector<v1::AccessEvent>& events, const std::string& dir) {
  state::StoreOptions so;
  so.path = dir;
  auto store = state::StateStore::Open(so);
  EXPECT_TRUE(store.ok());
  auto engine = detect::Engine::Create(TestConfig(), detect::Keying::kBoth, store->get());
  EXPECT_TRUE(engine.ok());
  Collect c;
  for (const auto& e : events) (*engine)->Process(e, c);
  (*engine)->Flush(c);
  return c.alerts;
}

// What an alert says, identities aside: used to compare runs over clear and pseudonymised input.
std::vector<std::string> Shapes(const std::vector<v1::Alert>& alerts) {
  std::vector<std::string> s;
  for (const auto& a : alerts) {
    s.push_back(a.alert_type() + " " + std::to_string(a.start_time_us()) + " " +
                std::to_string(a.end_time_us()) + " " + std::to_string(a.generated_time_us()) +
                " " + a.azure_resource_id());
  }
  std::sort(s.begin(), s.end());
  return s;
}

TEST(PseudonymiseTest, DetectionUnchangedOverPseudonymisedUpnsAndObjectIds) {
  // IPs stay clear here: threat-intel and range lookups need them (docs/privacy.md).
  PseudonymiseFields f;
  f.ip = false;
  Pseudonymiser p = Make(kKey, f);
  std::vector<v1::AccessEvent> events = Traffic();
  for (auto& e : events) p.Apply(&e);
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vw-pseudo-det-" + std::to_string(getpid()));
  std::vector<v1::Alert> clear = Detect(Traffic(), dir + "/clear");
  std::vector<v1::Alert> pseudo = Detect(events, dir + "/pseudo");
  std::filesystem::remove_all(dir);
  ASSERT_GT(clear.size(), 5u);
  EXPECT_EQ(Shapes(clear), Shapes(pseudo));
  // And the pseudonymised run names only pseudonyms: every account entity's object id is one.
  std::set<std::string> clear_ids;
  for (const auto& e : Traffic()) clear_ids.insert(e.caller().object_id());
  for (const auto& a : pseudo) {
    for (const auto& en : a.entities()) {
      if (!en.aad_user_id().empty()) {
        EXPECT_EQ(clear_ids.count(en.aad_user_id()), 0u);
      }
    }
  }
}

}  // namespace
}  // namespace vw::governance

namespace vw::governance {
namespace {

using alerts::Pseudonymiser;

// Why the state pass runs inside the engine (Engine::SetEventTransform, docs/privacy.md): IPs
// pseudonymised *before* the engine are hidden from the threat-intel lookups, so the TOR and
// suspicious-IP alerts of the clear run disappear. (EmbeddedTest.PseudonymisedState* shows they
// survive the engine's hook.)
TEST(PseudonymiseTest, IpsPseudonymisedBeforeStateBlindThreatIntel) {
  Pseudonymiser p = Make();
  std::vector<v1::AccessEvent> events = Traffic();
  for (auto& e : events) p.Apply(&e);
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vw-pseudo-ip-" + std::to_string(getpid()));
  std::vector<v1::Alert> clear = Detect(Traffic(), dir + "/clear");
  std::vector<v1::Alert> pseudo = Detect(events, dir + "/pseudo");
  std::filesystem::remove_all(dir);
  auto count = [](const std::vector<v1::Alert>& v, const std::string& type) {
    return std::count_if(v.begin(), v.end(),
                         [&](const v1::Alert& a) { return a.alert_type() == type; });
  };
  ASSERT_GT(count(clear, "KV_TORAccess"), 0);
  EXPECT_EQ(count(pseudo, "KV_TORAccess"), 0);
  EXPECT_EQ(count(pseudo, "KV_SuspiciousIPAccess"), 0);
}

}  // namespace
}  // namespace vw::governance
