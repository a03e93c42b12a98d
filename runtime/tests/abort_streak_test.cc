#include "runtime/abort_streak.h"

#include <gtest/gtest.h>

namespace vw::runtime {
namespace {

using std::chrono::milliseconds;

TEST(AbortStreakTest, RetriesOnceAtOnceThenBacksOffDoublingUpToTheCap) {
  AbortStreak s(
      {.stuck_after = 5, .first_backoff = milliseconds(100), .max_backoff = milliseconds(1000)});
  EXPECT_EQ(s.OnAbort(), milliseconds(0));
  EXPECT_EQ(s.OnAbort(), milliseconds(100));
  EXPECT_EQ(s.OnAbort(), milliseconds(200));
  EXPECT_EQ(s.OnAbort(), milliseconds(400));
  EXPECT_EQ(s.OnAbort(), milliseconds(800));
  EXPECT_EQ(s.OnAbort(), milliseconds(1000));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.OnAbort(), milliseconds(1000));  // no overflow
}

TEST(AbortStreakTest, StuckFromTheNthAbortInARowUntilACommit) {
  AbortStreak s({.stuck_after = 3});
  s.OnAbort();
  s.OnAbort();
  EXPECT_FALSE(s.stuck());
  s.OnAbort();
  EXPECT_TRUE(s.stuck());
  EXPECT_TRUE(s.just_stuck());
  s.OnAbort();
  EXPECT_TRUE(s.stuck());
  EXPECT_FALSE(s.just_stuck()) << "reported once per streak";
  EXPECT_TRUE(s.OnCommit()) << "the commit ends a stuck streak";
  EXPECT_FALSE(s.stuck());
  EXPECT_EQ(s.aborts_in_a_row(), 0);
  EXPECT_EQ(s.OnAbort(), milliseconds(0)) << "a new streak starts with an immediate retry";
}

TEST(AbortStreakTest, ACommitBetweenAbortsKeepsAWorkerThatProgressesHealthy) {
  AbortStreak s({.stuck_after = 2});
  for (int i = 0; i < 10; ++i) {
    s.OnAbort();
    EXPECT_FALSE(s.OnCommit());
  }
  EXPECT_FALSE(s.stuck());
}

}  // namespace
}  // namespace vw::runtime
