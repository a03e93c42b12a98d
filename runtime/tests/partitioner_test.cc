// The keyed-record partitioner must match the Java client's (and librdkafka's murmur2_random for
// non-empty keys) exactly, or batched records would move keys to other partitions than per-event
// records and other clients put them: vectors from Kafka's own UtilsTest.testMurmur2.
#include "runtime/partitioner.h"

#include <gtest/gtest.h>

namespace vw::runtime {
namespace {

TEST(PartitionerTest, Murmur2MatchesKafkasUtils) {
  EXPECT_EQ(KafkaMurmur2("21"), -973932308);
  EXPECT_EQ(KafkaMurmur2("foobar"), -790332482);
  EXPECT_EQ(KafkaMurmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(KafkaMurmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(KafkaMurmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(KafkaMurmur2("abc"), 479470107);
}

TEST(PartitionerTest, PartitionIsThePositiveHashModuloTheCount) {
  // toPositive(-973932308) = 1173551340; % 4 = 0, % 6 = 0, % 7 = 5.
  EXPECT_EQ(KeyPartition("21", 4), 1173551340 % 4);
  EXPECT_EQ(KeyPartition("21", 7), 1173551340 % 7);
  for (int n = 1; n <= 16; ++n) {
    int32_t p = KeyPartition("/subscriptions/x/vaults/kv-1", n);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, n);
  }
}

}  // namespace
}  // namespace vw::runtime
