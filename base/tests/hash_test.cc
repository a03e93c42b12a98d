#include "base/hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace vw {
namespace {

// Every length from 0 to 200 and every single-byte change gives a distinct hash: the four-lane
// loop (over 64 bytes), the loop, the overlapping tail load and the short-string path all read
// every byte.
TEST(HashBytesTest, EveryByteAndTheLengthCount) {
  std::set<uint64_t> seen;
  std::string base(200, 'a');
  for (size_t len = 0; len <= base.size(); ++len) {
    const std::string s = base.substr(0, len);
    EXPECT_TRUE(seen.insert(HashBytes(s)).second) << "length " << len;
    for (size_t i = 0; i < len; ++i) {
      std::string t = s;
      t[i] = 'b';
      EXPECT_TRUE(seen.insert(HashBytes(t)).second) << "length " << len << " byte " << i;
    }
  }
  // Zero bytes are bytes: "" and "\0" and "\0\0" differ.
  EXPECT_NE(HashBytes(std::string_view("", 0)), HashBytes(std::string_view("\0", 1)));
  EXPECT_NE(HashBytes(std::string_view("\0", 1)), HashBytes(std::string_view("\0\0", 2)));
}

TEST(HashBytesTest, DeterministicAndSeeded) {
  EXPECT_EQ(HashBytes("vault"), HashBytes(std::string("vault")));
  EXPECT_NE(HashBytes("vault", 1), HashBytes("vault", 2));
  // The low bits index tables: 4096 keys spread over 256 buckets with no bucket far above 16.
  int buckets[256] = {};
  for (int i = 0; i < 4096; ++i) ++buckets[HashBytes("key-" + std::to_string(i)) & 255];
  for (int b : buckets) EXPECT_LT(b, 40);
  // Long keys that differ only in their middle (state keys built from resource ids).
  int long_buckets[256] = {};
  const std::string prefix =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-";
  for (int i = 0; i < 4096; ++i) {
    ++long_buckets[HashBytes(prefix + std::to_string(i) + "/providers/microsoft.keyvault") & 255];
  }
  for (int b : long_buckets) EXPECT_LT(b, 40);
}

}  // namespace
}  // namespace vw
