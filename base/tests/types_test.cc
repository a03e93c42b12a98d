#include "base/types.h"

#include <gtest/gtest.h>

#include <unordered_set>

#include "base/clock.h"

namespace vw {
namespace {

TEST(TypesTest, EventTimeArithmeticAndFloor) {
  EventTime t = EventTime::FromSeconds(3661);
  EXPECT_EQ((t + Duration::Minutes(1)).seconds(), 3721);
  EXPECT_EQ((t - EventTime::FromSeconds(61)), Duration::Hours(1));
  EXPECT_EQ(t.FloorTo(Duration::Hours(1)).seconds(), 3600);
  EXPECT_EQ(EventTime::FromMicros(-1).FloorTo(Duration::Seconds(1)).micros(), -1000000);
}

TEST(TypesTest, StrongIntsCompareAndHash) {
  KafkaOffset a(5), b(7);
  EXPECT_LT(a, b);
  std::unordered_set<PartitionId> parts{PartitionId(1), PartitionId(1), PartitionId(2)};
  EXPECT_EQ(parts.size(), 2u);
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock c(100);
  EXPECT_EQ(c.NowMicros(), 100);
  c.Advance(Duration::Millis(2));
  EXPECT_EQ(c.MonotonicMicros(), 2100);
  EXPECT_GT(SystemClock::Default()->NowMicros(), 1600000000000000);
}

}  // namespace
}  // namespace vw
