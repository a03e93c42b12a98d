// Threat-intel lists in the formats their publishers use: Microsoft's "Azure IP Ranges and
// Service Tags" JSON with tags selected by name, the Tor Project's bulk exit list and its
// exit-addresses format; each reloaded without restart.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/clock.h"
#include "processors/detectors/config.h"
#include "processors/detectors/ip_set.h"
#include "processors/detectors/threat_intel.h"

namespace vw::detect {
namespace {

std::string Ip(const char* text) { return ParseIp(text).value(); }

// The shape of ServiceTags_Public_<date>.json as Microsoft publishes it (trimmed: real files have
// ~3000 values), with regional tags next to their global parent.
constexpr char kServiceTags[] = R"({
  "changeNumber": 331,
  "cloud": "Public",
  "values": [
    {"name": "ActionGroup", "id": "ActionGroup",
     "properties": {"changeNumber": 39, "region": "", "regionId": 0, "platform": "Azure",
                    "systemService": "ActionGroup",
                    "addressPrefixes": ["4.145.74.52/30", "2603:1030:c06:6::/64"],
                    "networkFeatures": ["API", "NSG", "UDR", "FW"]}},
    {"name": "AzureCloud.westeurope", "id": "AzureCloud.westeurope",
     "properties": {"changeNumber": 90, "region": "westeurope", "regionId": 18,
                    "platform": "Azure", "systemService": "",
                    "addressPrefixes": ["13.69.0.0/17", "2603:1020:200::/46"],
                    "networkFeatures": ["API", "NSG"]}},
    {"name": "AzureKeyVault", "id": "AzureKeyVault",
     "properties": {"changeNumber": 60, "region": "", "regionId": 0, "platform": "Azure",
                    "systemService": "AzureKeyVault",
                    "addressPrefixes": ["20.38.0.0/27", "2603:1000:4::280/123"],
                    "networkFeatures": ["API", "NSG", "UDR", "FW"]}}
  ]
})";

TEST(ThreatIntelFormatsTest, ServiceTagsSelectedByName) {
  IpSetBuilder all;
  ASSERT_TRUE(all.AddServiceTagsJson(kServiceTags, "tags.json").ok());
  IpSet every = all.Build();
  EXPECT_TRUE(every.Contains(Ip("4.145.74.53")));
  EXPECT_TRUE(every.Contains(Ip("13.69.1.1")));

  IpSetBuilder some;
  Status s = some.AddServiceTagsJson(kServiceTags, "tags.json",
                                     {"AzureCloud.westeurope", "AzureKeyVault"});
  ASSERT_TRUE(s.ok()) << s;
  IpSet selected = some.Build();
  EXPECT_TRUE(selected.Contains(Ip("13.69.127.255")));
  EXPECT_TRUE(selected.Contains(Ip("2603:1020:200::1")));
  EXPECT_TRUE(selected.Contains(Ip("20.38.0.31")));
  EXPECT_FALSE(selected.Contains(Ip("20.38.0.32")));
  EXPECT_FALSE(selected.Contains(Ip("4.145.74.53"))) << "ActionGroup was not selected";
  EXPECT_FALSE(selected.Contains(Ip("2603:1030:c06:6::1")));

  // A tag the file lacks (a typo) is an error naming it, not an empty selection.
  Status typo = IpSetBuilder().AddServiceTagsJson(kServiceTags, "tags.json", {"AzureKeyvault"});
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.ToString().find("AzureKeyvault"), std::string::npos) << typo;
}

TEST(ThreatIntelFormatsTest, TorBulkExitListAndExitAddresses) {
  // https://check.torproject.org/torbulkexitlist: one address per line, nothing else.
  IpSetBuilder bulk;
  ASSERT_TRUE(bulk.AddText("171.25.193.20\n185.220.101.1\n2a0b:f4c2::1\n", "torbulkexitlist").ok());
  IpSet b = bulk.Build();
  EXPECT_TRUE(b.Contains(Ip("185.220.101.1")));
  EXPECT_TRUE(b.Contains(Ip("2a0b:f4c2::1")));
  EXPECT_FALSE(b.Contains(Ip("185.220.101.2")));

  // https://check.torproject.org/exit-addresses
  IpSetBuilder exits;
  Status s = exits.AddTorExitAddresses(
      "ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\n"
      "Published 2026-12-05 19:37:56\n"
      "LastStatus 2026-12-05 21:00:00\n"
      "ExitAddress 162.247.74.201 2026-12-05 21:09:23\n"
      "ExitNode 0091174DE56EA4F4C8B0B6F5A4E1A8F4B4B4B4B4\n"
      "Published 2026-12-05 10:00:00\n"
      "LastStatus 2026-12-05 11:00:00\n"
      "ExitAddress 185.220.100.240 2026-12-05 11:05:00\n"
      "ExitAddress 185.220.100.241 2026-12-05 11:06:00\n",
      "exit-addresses");
  ASSERT_TRUE(s.ok()) << s;
  IpSet e = exits.Build();
  EXPECT_EQ(e.num_ranges(), 2u);  // .240 and .241 merge into one range
  EXPECT_TRUE(e.Contains(Ip("162.247.74.201")));
  EXPECT_TRUE(e.Contains(Ip("185.220.100.241")));
  EXPECT_FALSE(e.Contains(Ip("185.220.100.242")));
  EXPECT_FALSE(IpSetBuilder().AddTorExitAddresses("ExitAddress nonsense 2026-12-05\n", "x").ok());
}

class ThreatIntelFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/tif" + std::to_string(::getpid());
    std::filesystem::create_directories(dir_);
    config_.tor_file = dir_ + "/exit-addresses";
    config_.suspicious_file = "";
    config_.microsoft_file = dir_ + "/ServiceTags_Public.json";
    config_.reload_interval = Duration::Seconds(30);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static void Write(const std::string& p, const std::string& text) {
    std::ofstream(p, std::ios::trunc) << text;
  }
  std::string dir_;
  DetectConfig config_;
};

TEST_F(ThreatIntelFilesTest, PublishersFormatsLoadAndReloadWithoutRestart) {
  Write(config_.tor_file, "ExitNode AA\nPublished x\nExitAddress 192.0.2.7 2026-12-05 11:05:00\n");
  Write(config_.microsoft_file, kServiceTags);
  config_.microsoft_service_tags = " AzureKeyVault , AzureCloud.westeurope";
  ManualClock clock(1000000);
  Result<std::unique_ptr<ThreatIntel>> ti = ThreatIntel::Load(config_, &clock);
  ASSERT_TRUE(ti.ok()) << ti.status();
  EXPECT_TRUE((*ti)->IsTor(Ip("192.0.2.7")));
  EXPECT_TRUE((*ti)->IsMicrosoft(Ip("20.38.0.1")));
  EXPECT_TRUE((*ti)->IsMicrosoft(Ip("13.69.0.1")));
  EXPECT_FALSE((*ti)->IsMicrosoft(Ip("4.145.74.53")));

  // Microsoft publishes a new file weekly: the selection applies to the reloaded one too.
  std::string next = kServiceTags;
  next.replace(next.find("20.38.0.0/27"), 12, "20.39.0.0/27");
  next += "\n";  // a different size, so the change is seen whatever the mtime granularity
  Write(config_.microsoft_file, next);
  Write(config_.tor_file, "ExitNode BB\nExitAddress 192.0.2.8 2026-12-06 11:05:00\n");
  clock.Advance(Duration::Seconds(31));
  EXPECT_EQ((*ti)->MaybeReload(), 2);
  EXPECT_TRUE((*ti)->IsMicrosoft(Ip("20.39.0.1")));
  EXPECT_FALSE((*ti)->IsMicrosoft(Ip("20.38.0.1")));
  EXPECT_FALSE((*ti)->IsMicrosoft(Ip("4.145.74.53")));
  EXPECT_TRUE((*ti)->IsTor(Ip("192.0.2.8")));
  EXPECT_FALSE((*ti)->IsTor(Ip("192.0.2.7")));

  // A file that no longer has a selected tag keeps the previous list.
  Write(config_.microsoft_file,
        R"({"values":[{"name":"AzureCloud","properties":{"addressPrefixes":["20.0.0.0/8"]}}]})");
  (*ti)->RequestReload();
  EXPECT_EQ((*ti)->MaybeReload(), 0);
  EXPECT_TRUE((*ti)->IsMicrosoft(Ip("20.39.0.1")));
  EXPECT_FALSE((*ti)->IsMicrosoft(Ip("20.1.0.1")));
}

TEST_F(ThreatIntelFilesTest, TagsNeedAServiceTagsFile) {
  Write(config_.tor_file, "");
  Write(config_.microsoft_file, "20.0.0.0/8\n");
  config_.microsoft_service_tags = "AzureCloud";
  ManualClock clock(0);
  Result<std::unique_ptr<ThreatIntel>> ti = ThreatIntel::Load(config_, &clock);
  ASSERT_FALSE(ti.ok());
  EXPECT_NE(ti.status().ToString().find("service-tags"), std::string::npos) << ti.status();
}

TEST(ThreatIntelFormatsTest, ConfigKeyIsReadFromYaml) {
  Result<DetectConfig> c = ParseDetectConfig(
      "threat_intel:\n  microsoft_service_tags: AzureCloud.westeurope,AzureKeyVault\n", "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->microsoft_service_tags, "AzureCloud.westeurope,AzureKeyVault");
}

}  // namespace
}  // namespace vw::detect
