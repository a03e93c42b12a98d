#include "state/key_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "base/hash.h"

namespace vw::state {
namespace {

uint64_t KeyHash(int i) { return HashBytes("caller-" + std::to_string(i) + "|vault"); }

TEST(KeyFilterTest, NeverForgetsAKeyAndReportsWhatItAdds) {
  KeyFilter f(64 << 10);
  const int n = static_cast<int>(f.capacity_keys());
  // A new key sets a bit, unless it is a false positive of the keys before it (rare).
  int added = 0;
  for (int i = 0; i < n; ++i) added += f.Add(KeyHash(i)) ? 1 : 0;
  EXPECT_GT(added, n * 97 / 100);
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(f.MayContain(KeyHash(i))) << i;
    ASSERT_FALSE(f.Add(KeyHash(i))) << i;  // again: nothing new
  }
}

TEST(KeyFilterTest, FalsePositivesAtCapacityStayNearTheDesignRate) {
  KeyFilter f(256 << 10);
  const int n = static_cast<int>(f.capacity_keys());
  for (int i = 0; i < n; ++i) f.Add(KeyHash(i));
  int hits = 0;
  const int probes = 200000;
  for (int i = 0; i < probes; ++i) hits += f.MayContain(KeyHash(n + i)) ? 1 : 0;
  // 12 bits per key, 6 probes in one 64-byte block: about 1.5%.
  EXPECT_LT(hits, probes * 3 / 100) << hits;
  EXPECT_GT(hits, 0);  // a filter that answers "absent" to everything would pass the bound
}

TEST(KeyFilterTest, ConcurrentAddsAreAllKept) {
  KeyFilter f(64 << 10);
  const int n = static_cast<int>(f.capacity_keys());
  std::thread other([&] {
    for (int i = 0; i < n; i += 2) f.Add(KeyHash(i));
  });
  for (int i = 1; i < n; i += 2) f.Add(KeyHash(i));
  other.join();
  for (int i = 0; i < n; ++i) ASSERT_TRUE(f.MayContain(KeyHash(i))) << i;
}

TEST(KeyFilterTest, SizeIsWholeBlocksAndAtLeastOne) {
  EXPECT_EQ(KeyFilter(0).bytes(), KeyFilter::kBlockBytes);
  EXPECT_EQ(KeyFilter(1000).bytes(), 960u);
  EXPECT_EQ(KeyFilter(1 << 20).capacity_keys(), (size_t{1} << 23) / KeyFilter::kBitsPerKey);
}

}  // namespace
}  // namespace vw::state
