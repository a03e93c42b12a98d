// Unit tests of the pure parts: config table and loader, IP sets, threat-intel reload, alert ids
// and JSON rendering.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "processors/detectors/alert.h"
#include "processors/detectors/config.h"
#include "processors/detectors/ip_set.h"
#include "processors/detectors/threat_intel.h"

namespace vw::detect {
namespace {

std::string Ip(const char* text) { return ParseIp(text).value(); }

TEST(ConfigTest, DefaultsAndOverrides) {
  Result<DetectConfig> c = ParseDetectConfig(
      "engine:\n  allowed_lateness: 5m\nmass_retrieval:\n  static_threshold: 40\n"
      "detectors:\n  KV_TORAccess:\n    enabled: false\nkafka:\n  bootstrap: x\n",
      "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->allowed_lateness, Duration::Minutes(5));
  EXPECT_EQ(c->mass_static_threshold, 40);
  EXPECT_FALSE(c->IsEnabled("KV_TORAccess"));
  EXPECT_TRUE(c->IsEnabled("KV_SuspiciousIPAccess"));
  EXPECT_EQ(c->suppression_window, Duration::Hours(24));  // untouched default
}

TEST(ConfigTest, DetectSectionPrefixIsAccepted) {
  Result<DetectConfig> c = ParseDetectConfig("detect:\n  engine:\n    learning_period: 3d\n", "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->learning_period, Duration::Days(3));
}

TEST(ConfigTest, RejectsUnknownKeysBadTypesAndBounds) {
  Result<DetectConfig> unknown = ParseDetectConfig("engine:\n  allowed_latenes: 5m\n", "f.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("engine.allowed_latenes"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("f.yaml"), std::string::npos);
  EXPECT_FALSE(ParseDetectConfig("engine:\n  allowed_lateness: soon\n", "f").ok());
  EXPECT_FALSE(ParseDetectConfig("engine:\n  allowed_lateness: 48h\n", "f").ok());
  EXPECT_FALSE(ParseDetectConfig("mass_retrieval:\n  static_threshold: 2.5\n", "f").ok());
  EXPECT_FALSE(ParseDetectConfig("detectors:\n  KV_TORAccess:\n    enabled: maybe\n", "f").ok());
  EXPECT_FALSE(ParseDetectConfig("[1, 2]", "f").ok());
  EXPECT_FALSE(ParseDetectConfig("engine: {", "f").ok());
}

TEST(ConfigTest, DurationsRoundTrip) {
  EXPECT_EQ(ParseDuration("10m").value(), Duration::Minutes(10));
  EXPECT_EQ(ParseDuration("250ms").value(), Duration::Millis(250));
  EXPECT_EQ(ParseDuration("14d").value(), Duration::Days(14));
  EXPECT_FALSE(ParseDuration("10").ok());
  EXPECT_FALSE(ParseDuration("m").ok());
  EXPECT_EQ(FormatDuration(Duration::Hours(24)), "1d");
  EXPECT_EQ(FormatDuration(Duration::Minutes(90)), "90m");
}

TEST(ConfigTest, ReferenceListsEveryKeyAndEveryAlertType) {
  std::string md = ConfigReferenceMarkdown();
  for (const ConfigField& f : DetectConfigTable()) {
    EXPECT_NE(md.find("`" + f.name + "`"), std::string::npos) << f.name;
  }
  EXPECT_EQ(AllAlertTypes().size(), 20u);
  for (const std::string& t : AllAlertTypes()) EXPECT_NE(md.find(t), std::string::npos);
}

TEST(ConfigTest, ShippedDefaultFileLoadsAndMatchesReference) {
  const char* src = std::getenv("VW_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  Result<DetectConfig> c = LoadDetectConfig(std::string(src) + "/configs/detect.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(std::filesystem::exists(c->tor_file)) << c->tor_file;
  std::ifstream ref(std::string(src) + "/configs/README.md");
  std::string text((std::istreambuf_iterator<char>(ref)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, ConfigReferenceMarkdown())
      << "configs/README.md is stale: regenerate with `vaultwatch config-reference`";
}

// A file's relative list paths are relative to the file, never to the working directory (where a
// same-named file would otherwise win).
TEST(ConfigTest, RelativeListPathsAreRelativeToTheConfigFile) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("vw-detect-paths-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "conf" / "lists");
  fs::create_directories(root / "cwd" / "lists");
  std::ofstream(root / "conf" / "lists" / "tor.txt") << "192.0.2.1\n";
  std::ofstream(root / "cwd" / "lists" / "tor.txt") << "192.0.2.99\n";
  std::ofstream(root / "conf" / "detect.yaml") << "threat_intel:\n  tor_file: lists/tor.txt\n";
  fs::path old = fs::current_path();
  fs::current_path(root / "cwd");
  Result<DetectConfig> c = LoadDetectConfig((root / "conf" / "detect.yaml").string());
  fs::current_path(old);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->tor_file, (root / "conf" / "lists" / "tor.txt").string());
  // Keys the file leaves out keep the built-in defaults, found as LoadDetectConfig("") finds them.
  EXPECT_EQ(c->suspicious_file, LoadDetectConfig("")->suspicious_file);
  fs::remove_all(root);
}

// The built-in defaults name configs/threat-intel/...: found from outside a checkout too.
TEST(ConfigTest, DefaultListsAreFoundOutsideTheRepository) {
  namespace fs = std::filesystem;
  fs::path old = fs::current_path();
  fs::current_path(fs::temp_directory_path());
  Result<DetectConfig> c = LoadDetectConfig("");
  fs::current_path(old);
  ASSERT_TRUE(c.ok()) << c.status();
  for (const std::string* p : {&c->tor_file, &c->suspicious_file, &c->microsoft_file}) {
    EXPECT_TRUE(fs::path(*p).is_absolute()) << *p;
    EXPECT_TRUE(fs::exists(*p)) << *p;
  }
  SystemClock clock;
  EXPECT_TRUE(ThreatIntel::Load(*c, &clock).ok());
}

TEST(ThreatIntelTest, MissingListNamesTheFileAndTheKey) {
  DetectConfig c;
  c.tor_file = "";
  c.suspicious_file = "";
  c.microsoft_file = "/nonexistent/vw/ms-ranges.txt";
  SystemClock clock;
  auto ti = ThreatIntel::Load(c, &clock);
  ASSERT_FALSE(ti.ok());
  EXPECT_NE(ti.status().message().find("'threat_intel.microsoft_file'"), std::string::npos)
      << ti.status();
  EXPECT_NE(ti.status().message().find("/nonexistent/vw/ms-ranges.txt"), std::string::npos);
}

TEST(IpSetTest, V4V6CidrsAndMerging) {
  IpSetBuilder b;
  ASSERT_TRUE(b.Add("203.0.113.0/24").ok());
  ASSERT_TRUE(b.Add("198.51.100.7").ok());
  ASSERT_TRUE(b.Add("198.51.100.8").ok());  // adjacent: merged with .7
  ASSERT_TRUE(b.Add("2001:db8::/32").ok());
  ASSERT_TRUE(b.Add("0.0.0.0/0").ok() == true);
  IpSet all = b.Build();
  EXPECT_EQ(all.num_ranges(), 2u);  // everything v4 collapses into one range, plus the v6 one
  IpSetBuilder b2;
  ASSERT_TRUE(b2.Add("203.0.113.0/24").ok());
  ASSERT_TRUE(b2.Add("198.51.100.7").ok());
  ASSERT_TRUE(b2.Add("2001:db8::/32").ok());
  IpSet s = b2.Build();
  EXPECT_TRUE(s.Contains(Ip("203.0.113.0")));
  EXPECT_TRUE(s.Contains(Ip("203.0.113.255")));
  EXPECT_FALSE(s.Contains(Ip("203.0.114.0")));
  EXPECT_FALSE(s.Contains(Ip("203.0.112.255")));
  EXPECT_TRUE(s.Contains(Ip("198.51.100.7")));
  EXPECT_FALSE(s.Contains(Ip("198.51.100.6")));
  EXPECT_TRUE(s.Contains(Ip("2001:db8:ffff::1")));
  EXPECT_FALSE(s.Contains(Ip("2001:db9::1")));
  EXPECT_TRUE(s.Contains(Ip("::ffff:203.0.113.9")));  // v4-mapped
  EXPECT_FALSE(s.Contains(""));
  EXPECT_TRUE(s.ContainsText("203.0.113.77"));
}

TEST(IpSetTest, TextListsWithCommentsAndErrorsNameTheLine) {
  IpSetBuilder b;
  ASSERT_TRUE(b.AddText("# header\n\n192.0.2.1  # a node\r\n192.0.2.0/30\n", "tor.txt").ok());
  IpSet s = b.Build();
  EXPECT_TRUE(s.Contains(Ip("192.0.2.3")));
  EXPECT_FALSE(s.Contains(Ip("192.0.2.4")));
  IpSetBuilder bad;
  Status st = bad.AddText("192.0.2.1\nnot-an-ip\n", "tor.txt");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("tor.txt:2"), std::string::npos) << st;
  EXPECT_FALSE(IpSetBuilder().Add("10.0.0.0/33").ok());
  EXPECT_FALSE(IpSetBuilder().Add("10.0.0.0/").ok());
}

TEST(IpSetTest, AzureServiceTagsJson) {
  IpSetBuilder b;
  ASSERT_TRUE(b.AddServiceTagsJson(R"({"changeNumber":1,"cloud":"Public","values":[
      {"name":"AzureCloud","id":"AzureCloud","properties":{"addressPrefixes":["20.0.0.0/11","2603:1000::/24"]}},
      {"name":"AzureKeyVault","properties":{"addressPrefixes":["52.0.0.1/32"]}}]})",
                                   "tags.json")
                  .ok());
  IpSet s = b.Build();
  EXPECT_TRUE(s.Contains(Ip("20.31.255.255")));
  EXPECT_FALSE(s.Contains(Ip("20.32.0.0")));
  EXPECT_TRUE(s.Contains(Ip("2603:10ff::1")));
  EXPECT_TRUE(s.Contains(Ip("52.0.0.1")));
  EXPECT_FALSE(IpSetBuilder().AddServiceTagsJson("{\"values\":3}", "x").ok());
  EXPECT_FALSE(IpSetBuilder().AddServiceTagsJson("not json", "x").ok());
}

TEST(ThreatIntelTest, ReloadsChangedFilesOnTheInjectedClock) {
  std::string dir = ::testing::TempDir() + "/ti" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  auto write = [](const std::string& p, const std::string& text) {
    std::ofstream(p, std::ios::trunc) << text;
  };
  DetectConfig c;
  c.tor_file = dir + "/tor.txt";
  c.suspicious_file = dir + "/sus.txt";
  c.microsoft_file = dir + "/ms.json";
  c.reload_interval = Duration::Seconds(30);
  write(c.tor_file, "192.0.2.1\n");
  write(c.suspicious_file, "");
  write(c.microsoft_file, R"({"values":[{"properties":{"addressPrefixes":["20.0.0.0/8"]}}]})");
  ManualClock clock(1000000);
  Result<std::unique_ptr<ThreatIntel>> ti = ThreatIntel::Load(c, &clock);
  ASSERT_TRUE(ti.ok()) << ti.status();
  EXPECT_TRUE((*ti)->IsTor(Ip("192.0.2.1")));
  EXPECT_TRUE((*ti)->IsMicrosoft(Ip("20.1.2.3")));
  EXPECT_TRUE((*ti)->IsInternal(Ip("10.1.2.3")));
  write(c.tor_file, "192.0.2.1\n192.0.2.2\n# grown\n");
  EXPECT_EQ((*ti)->MaybeReload(), 0);  // interval not reached
  EXPECT_FALSE((*ti)->IsTor(Ip("192.0.2.2")));
  clock.Advance(Duration::Seconds(31));
  EXPECT_EQ((*ti)->MaybeReload(), 1);
  EXPECT_TRUE((*ti)->IsTor(Ip("192.0.2.2")));
  // A broken file keeps the previous list.
  write(c.tor_file, "garbage line\n");
  (*ti)->RequestReload();
  EXPECT_EQ((*ti)->MaybeReload(), 0);
  EXPECT_TRUE((*ti)->IsTor(Ip("192.0.2.2")));
  std::filesystem::remove_all(dir);
  c.tor_file = dir + "/missing.txt";
  EXPECT_FALSE(ThreatIntel::Load(c, &clock).ok());
}

TEST(AlertTest, IdsAreDeterministicUuidsThatDependOnEveryPart) {
  std::string a = MakeAlertId("KV_TORAccess", "vault|1.2.3.4", 1000);
  EXPECT_EQ(a, MakeAlertId("KV_TORAccess", "vault|1.2.3.4", 1000));
  EXPECT_NE(a, MakeAlertId("KV_TORAccess", "vault|1.2.3.4", 1001));
  EXPECT_NE(a, MakeAlertId("KV_TORAccess", "vault|1.2.3.5", 1000));
  EXPECT_NE(a, MakeAlertId("KV_SuspiciousIPAccess", "vault|1.2.3.4", 1000));
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[8], '-');
  EXPECT_EQ(a[14], '8');  // version nibble
  // SIEMs deduplicate on the id, so it must not change between builds: this value comes from an
  // independent computation of the documented scheme (FNV-1a per part, splitmix64 finaliser).
  EXPECT_EQ(a, "c7fd0574-2a99-825c-9828-75347d6f86c6");
}

TEST(AlertTest, JsonHasContractKeyOrderSortedPropertiesAndEscapes) {
  v1::Alert al;
  al.set_system_alert_id("id");
  al.set_alert_type("KV_TORAccess");
  al.set_display_name("n");
  al.set_description("d \"q\"\n");
  al.set_severity(v1::SEVERITY_MEDIUM);
  al.add_intent("CredentialAccess");
  al.add_intent("Discovery");
  al.set_start_time_us(0);
  al.set_end_time_us(1000000);
  al.set_generated_time_us(1000000);
  al.set_azure_resource_id("/subscriptions/s/vaults/kv");
  al.set_compromised_entity("kv");
  al.add_entities()->set_type("azure-resource");
  auto* ip = al.add_entities();
  ip->set_type("ip");
  ip->set_address("1.2.3.4");
  (*al.mutable_extended_properties())["b"] = "2";
  (*al.mutable_extended_properties())["Alert Reasons"] = "why";
  (*al.mutable_extended_properties())["a"] = "1";
  al.add_remediation_steps("do x");
  std::string j = AlertJson(al);
  EXPECT_EQ(
      j,
      R"({"SystemAlertId":"id","AlertType":"KV_TORAccess","AlertDisplayName":"n",)"
      R"("Description":"d \"q\"\n","Severity":"Medium","Intent":"CredentialAccess,Discovery",)"
      R"("StartTimeUtc":"1970-01-01T00:00:00.000000Z","EndTimeUtc":"1970-01-01T00:00:01.000000Z",)"
      R"("TimeGenerated":"1970-01-01T00:00:01.000000Z","ProductName":"vaultwatch",)"
      R"("VendorName":"vaultwatch","Status":"New","AzureResourceId":"/subscriptions/s/vaults/kv",)"
      R"("CompromisedEntity":"kv","Entities":[{"$id":"1","Type":"azure-resource"},)"
      R"({"$id":"2","Type":"ip","Address":"1.2.3.4"}],)"
      R"("ExtendedProperties":{"Alert Reasons":"why","a":"1","b":"2"},)"
      R"("RemediationSteps":["do x"]})");
}

TEST(AlertTest, EveryAlertTypeHasACatalogueEntry) {
  for (const std::string& t : AllAlertTypes()) {
    const AlertSpec& s = SpecFor(t);
    EXPECT_FALSE(s.display_name.empty()) << t;
    EXPECT_FALSE(s.intents.empty()) << t;
    EXPECT_FALSE(s.remediation.empty()) << t;
  }
}

}  // namespace
}  // namespace vw::detect
