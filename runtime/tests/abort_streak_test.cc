#include "runtime/abort_streak.h"

#include <gtest/gtest.h>

#include <vector>

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

// The transaction calls' retry loops once repeated at once, and init_transactions for ever.
TEST(CallRetryTest, BacksOffDoublingToTheCapAndGivesUpAtTheBudget) {
  CallRetry r(milliseconds(10000), milliseconds(50), milliseconds(2000));
  milliseconds elapsed(0);
  std::vector<int64_t> waits;
  while (auto w = r.Next(elapsed)) {
    waits.push_back(w->count());
    elapsed += *w + milliseconds(100);  // each attempt itself takes 100 ms
  }
  // The last wait still ends within the budget (at 9950 ms); the one after would not.
  EXPECT_EQ(waits, (std::vector<int64_t>{50, 100, 200, 400, 800, 1600, 2000, 2000, 2000}));
  EXPECT_EQ(r.attempts(), 10);
  // A budget already spent: no further attempt.
  CallRetry spent(milliseconds(60000));
  EXPECT_FALSE(spent.Next(milliseconds(60000)).has_value());
}

}  // namespace
}  // namespace vw::runtime
