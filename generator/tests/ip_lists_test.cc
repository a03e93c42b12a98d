#include "generator/ip_lists.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "generator/tenant.h"

namespace vw::gen {
namespace {

TEST(IpListTest, ParsesAddressesCidrsAndComments) {
  auto list = IpList::Parse("# comment\n203.0.113.9\n\n198.51.100.0/24  # NAT\n2001:db8::1\n", "t");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->size(), 3u);
  EXPECT_TRUE(list->ContainsV4("203.0.113.9"));
  EXPECT_FALSE(list->ContainsV4("203.0.113.10"));
  EXPECT_TRUE(list->ContainsV4("198.51.100.200"));
  EXPECT_FALSE(list->ContainsV4("198.51.101.1"));
  EXPECT_FALSE(list->ContainsV4("not-an-ip"));
}

TEST(IpListTest, RejectsGarbageWithLineNumber) {
  auto bad = IpList::Parse("10.0.0.1\nhello\n", "list.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("list.txt:2"), std::string::npos) << bad.status();
  EXPECT_FALSE(IpList::Parse("10.0.0.0/33\n", "x").ok());
  EXPECT_FALSE(IpList::Parse("300.1.1.1\n", "x").ok());
  EXPECT_FALSE(IpList::Parse("10.0.0.0/\n", "x").ok());
}

TEST(IpListTest, SamplesInsideRanges) {
  auto list = IpList::Parse("10.1.0.0/16\n", "t");
  ASSERT_TRUE(list.ok());
  Rng rng(3);
  for (int i = 0; i < 1000; ++i) {
    std::string ip = list->Sample(rng);
    EXPECT_TRUE(list->ContainsV4(ip)) << ip;
    EXPECT_NE(ip, "10.1.0.0");
    EXPECT_NE(ip, "10.1.255.255");
  }
}

TEST(IpListTest, ShippedListsLoadAndAreDisjoint) {
  const char* src = std::getenv("VW_SOURCE_DIR");
  ASSERT_NE(src, nullptr) << "VW_SOURCE_DIR must be set (ctest sets it)";
  auto lists = LoadIntelLists(std::string(src) + "/configs/threat-intel");
  ASSERT_TRUE(lists.ok()) << lists.status();
  Rng rng(1);
  for (int i = 0; i < 200; ++i) {
    std::string tor = lists->tor.Sample(rng), ti = lists->suspicious.Sample(rng),
                ms = lists->microsoft.Sample(rng);
    if (tor.find(':') == std::string::npos) {
      EXPECT_FALSE(lists->microsoft.ContainsV4(tor)) << tor;
    }
    if (ti.find(':') == std::string::npos) {
      EXPECT_FALSE(lists->microsoft.ContainsV4(ti)) << ti;
    }
    EXPECT_FALSE(lists->tor.ContainsV4(ms)) << ms;
    EXPECT_FALSE(lists->suspicious.ContainsV4(ms)) << ms;
  }
}

}  // namespace
}  // namespace vw::gen
