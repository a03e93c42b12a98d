// The keyed-record partitioner must match the Java client's (and librdkafka's murmur2_random for
// non-empty keys) exactly, or batched records would move keys to other partitions than per-event
// records and other clients put them: vectors from Kafka's own UtilsTest.testMurmur2.
#include "runtime/partitioner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/varint.h"
#include "runtime/control.h"

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

// The events.v1 record layout: (varint32 length, bytes)*, lengths beyond one varint byte included.
TEST(PartitionerTest, BatchedRecordsDecodeInOrderAndRejectTruncation) {
  const std::vector<std::string> events = {"a", std::string(200, 'b'), "", std::string(20000, 'c')};
  std::string value;
  for (const auto& e : events) {
    PutVarint64(&value, e.size());
    value += e;
  }
  std::vector<std::string> got;
  EXPECT_TRUE(ForEachBatchedEvent(value, [&](std::string_view b) { got.emplace_back(b); }));
  EXPECT_EQ(got, events);
  got.clear();
  EXPECT_FALSE(ForEachBatchedEvent(std::string_view(value).substr(0, value.size() - 1),
                                   [&](std::string_view b) { got.emplace_back(b); }));
  EXPECT_EQ(got.size(), 3u) << "the complete events before the fault are delivered";
  EXPECT_FALSE(ForEachBatchedEvent("\xff\xff\xff\xff\xff\x01", [](std::string_view) {}));
}

}  // namespace
}  // namespace vw::runtime
