#include "base/time_format.h"

#include <gtest/gtest.h>

namespace vw {
namespace {

TEST(TimeFormatTest, ParsesAzureTimestamps) {
  auto t = ParseRfc3339("2016-01-05T01:32:01.2691226Z");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->micros(), 1451957521269122);
  EXPECT_EQ(FormatRfc3339(*t), "2016-01-05T01:32:01.269122Z");
}

TEST(TimeFormatTest, AcceptsVariants) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z")->micros(), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00")->micros(), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01 00:00:01.5Z")->micros(), 1500000);
  EXPECT_EQ(ParseRfc3339("1970-01-01T01:00:00+01:00")->micros(), 0);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:00:00-01:00")->micros(), 0);
  EXPECT_EQ(ParseRfc3339("2024-02-29T12:00:00Z")->seconds(), 1709208000);
}

TEST(TimeFormatTest, RejectsGarbage) {
  for (const char* bad : {"", "2016", "2016-13-01T00:00:00Z", "2016-01-32T00:00:00Z",
                          "2016-01-05T25:00:00Z", "2016-01-05T01:32:01.Z", "2016-01-05T01:32:01Zjunk",
                          "2016-01-05T01:32:01+0100", "yesterday at noon"}) {
    auto t = ParseRfc3339(bad);
    EXPECT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(TimeFormatTest, RoundTripsAcrossEras) {
  for (int64_t us : {int64_t{0}, int64_t{-1}, int64_t{951782400000000}, int64_t{4102444799999999},
                     int64_t{-86400000001}}) {
    auto t = EventTime::FromMicros(us);
    auto back = ParseRfc3339(FormatRfc3339(t));
    ASSERT_TRUE(back.ok()) << FormatRfc3339(t);
    EXPECT_EQ(back->micros(), us) << FormatRfc3339(t);
  }
}

}  // namespace
}  // namespace vw
