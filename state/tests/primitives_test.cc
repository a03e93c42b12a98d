// Unit tests of each primitive: window edges, expiry, late events. A real RocksDB in a temp dir.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "state/distinct_counter.h"
#include "state/encoding.h"
#include "state/first_seen_map.h"
#include "state/running_stats.h"
#include "state/sequence_tracker.h"
#include "state/state_store.h"
#include "state/tests/test_util.h"
#include "state/window_counter.h"

namespace vw::state {
namespace {

using testing::TempDir;

EventTime Min(int64_t m) { return EventTime::FromSeconds(m * 60); }
EventTime Sec(int64_t s) { return EventTime::FromSeconds(s); }

class PrimitivesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = StateStore::Open({.path = dir_.path()});
    ASSERT_TRUE(r.ok()) << r.status();
    store_ = std::move(r).value();
  }
  // Commits and reopens the store: every assertion after it reads from RocksDB, not the cache.
  void Reopen() {
    ASSERT_TRUE(store_->Commit({}).ok());
    store_.reset();
    auto r = StateStore::Open({.path = dir_.path()});
    ASSERT_TRUE(r.ok()) << r.status();
    store_ = std::move(r).value();
  }
  TempDir dir_;
  std::unique_ptr<StateStore> store_;
};

// --- WindowCounter ---------------------------------------------------------------------------

// StableHash64 is stored (distinct-counter sets, sketches): a change of function would silently
// change what restored state means. The expected values come from an independent computation of
// FNV-1a 64 followed by the splitmix64 finaliser.
TEST(StableHashTest, ValuesNeverChange) {
  EXPECT_EQ(internal::StableHash64(""), 0xf52a15e9a9b5e89bULL);
  EXPECT_EQ(internal::StableHash64("kv-prod-1"), 0xa82c7950eb14dc70ULL);
}

TEST_F(PrimitivesTest, WindowCounterSumsBucketsInHalfOpenRange) {
  WindowCounter w(store_.get(), "w", Duration::Minutes(1), 60);
  w.Add("v", Min(10));
  w.Add("v", Min(10) + Duration::Seconds(59), 2);  // same bucket: [10m, 11m)
  w.Add("v", Min(11));                             // next bucket starts exactly at 11m
  w.Add("other", Min(10), 100);
  EXPECT_EQ(w.Sum("v", Min(10), Min(11)), 3);
  EXPECT_EQ(w.Sum("v", Min(11), Min(12)), 1);
  EXPECT_EQ(w.Sum("v", Min(10), Min(12)), 4);
  EXPECT_EQ(w.Sum("v", Min(10) + Duration::Seconds(1), Min(12)), 1);  // bucket 10 starts before
  EXPECT_EQ(w.Sum("v", Min(12), Min(10)), 0);
  EXPECT_EQ(w.Sum("missing", Min(0), Min(100)), 0);
  Reopen();
  WindowCounter w2(store_.get(), "w", Duration::Minutes(1), 60);
  EXPECT_EQ(w2.Sum("v", Min(0), Min(60)), 4);
  EXPECT_EQ(w2.Buckets("v", Min(11), 3), (std::vector<int64_t>{0, 3, 1}));
  EXPECT_EQ(w2.Buckets("v", Min(12) + Duration::Seconds(30), 2), (std::vector<int64_t>{1, 0}));
}

TEST_F(PrimitivesTest, WindowCounterDropsBucketsOutsideSpanAndIgnoresTooLateEvents) {
  WindowCounter w(store_.get(), "w", Duration::Minutes(1), 5);
  EXPECT_TRUE(w.Add("v", Min(0)));
  EXPECT_TRUE(w.Add("v", Min(4)));
  EXPECT_EQ(w.Sum("v", Min(0), Min(5)), 2);
  EXPECT_TRUE(w.Add("v", Min(5)));  // span is now buckets 1..5: bucket 0 is gone
  EXPECT_EQ(w.Sum("v", Min(0), Min(6)), 2);
  EXPECT_TRUE(w.Add("v", Min(1)));   // late, but within the span: counted
  EXPECT_FALSE(w.Add("v", Min(0)));  // late beyond the span: ignored
  EXPECT_EQ(w.Buckets("v", Min(5), 6), (std::vector<int64_t>{0, 1, 0, 0, 1, 1}));
}

TEST_F(PrimitivesTest, WindowCounterNegativeDeltasAndSeasonality) {
  WindowCounter w(store_.get(), "w", Duration::Hours(1), 24 * 14 + 1);  // 2 weeks back + now
  const EventTime base = EventTime::FromSeconds(1767225600);            // a Thursday 00:00 UTC
  for (int week = 0; week < 2; ++week) {
    w.Add("v", base + Duration::Days(7 * week) + Duration::Hours(9), 10 + week);
  }
  w.Add("v", base + Duration::Days(14) + Duration::Hours(9), 5);
  EXPECT_EQ(w.SamePhase("v", base + Duration::Days(14) + Duration::Hours(9), Duration::Days(7), 3),
            (std::vector<int64_t>{11, 10, 0}));
  w.Add("v", base + Duration::Days(14) + Duration::Hours(9), -5);  // sums back to zero: removed
  EXPECT_EQ(w.Sum("v", base + Duration::Days(14), base + Duration::Days(15)), 0);
}

TEST_F(PrimitivesTest, WindowCounterHandlesTimesBeforeEpoch) {
  WindowCounter w(store_.get(), "w", Duration::Minutes(1), 10);
  w.Add("v", EventTime::FromSeconds(-1));
  EXPECT_EQ(w.Sum("v", EventTime::FromSeconds(-60), EventTime::FromSeconds(0)), 1);
  EXPECT_EQ(w.Sum("v", EventTime::FromSeconds(0), EventTime::FromSeconds(60)), 0);
}

// --- FirstSeenMap ----------------------------------------------------------------------------

TEST_F(PrimitivesTest, FirstSeenMapNewThenKnownThenExpired) {
  FirstSeenMap m(store_.get(), "callers", Duration::Days(1));
  Sighting s = m.Touch("alice", Sec(1000));
  EXPECT_TRUE(s.is_new);
  EXPECT_EQ(s.first, Sec(1000));
  s = m.Touch("alice", Sec(2000));
  EXPECT_FALSE(s.is_new);
  EXPECT_EQ(s.first, Sec(1000));
  EXPECT_EQ(s.last, Sec(1000));  // last before this touch
  Reopen();
  FirstSeenMap m2(store_.get(), "callers", Duration::Days(1));
  auto g = m2.Get("alice", Sec(3000));
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->last, Sec(2000));
  // Exactly ttl after the last sighting the key is forgotten (half-open lifetime).
  const EventTime edge = Sec(2000) + Duration::Days(1);
  EXPECT_TRUE(m2.Get("alice", edge - Duration::Micros(1)).has_value());
  EXPECT_FALSE(m2.Get("alice", edge).has_value());
  s = m2.Touch("alice", edge);
  EXPECT_TRUE(s.is_new);
  EXPECT_EQ(s.first, edge);
}

TEST_F(PrimitivesTest, FirstSeenMapLateSightingMovesFirstNotLast) {
  FirstSeenMap m(store_.get(), "ips", Duration::Hours(1));
  m.Touch("k", Sec(5000));
  Sighting s = m.Touch("k", Sec(4000));  // out of order, within ttl
  EXPECT_FALSE(s.is_new);
  auto g = m.Get("k", Sec(5000));
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->first, Sec(4000));
  EXPECT_EQ(g->last, Sec(5000));
}

TEST_F(PrimitivesTest, NamespacesAreIndependent) {
  FirstSeenMap a(store_.get(), "a", Duration::Hours(1));
  FirstSeenMap ab(store_.get(), "ab", Duration::Hours(1));
  a.Touch("bx", Sec(1));
  EXPECT_TRUE(ab.Touch("x", Sec(1)).is_new);  // "a\0bx" vs "ab\0x": distinct keys
  EXPECT_FALSE(a.Touch("bx", Sec(2)).is_new);
}

// --- DistinctCounter -------------------------------------------------------------------------

TEST_F(PrimitivesTest, DistinctCounterExactWithinWindow) {
  DistinctCounter d(store_.get(), "vaults", Duration::Hours(1), 24);
  EXPECT_TRUE(d.Add("caller", "kv-1", Sec(0)));
  EXPECT_FALSE(d.Add("caller", "kv-1", Sec(10)));
  EXPECT_TRUE(d.Add("caller", "kv-2", Sec(20)));
  EXPECT_FALSE(d.Add("caller", "kv-1", Sec(3600 * 5)));        // seen 5 h ago, in the 24 h window
  EXPECT_FALSE(d.Add("caller", "kv-2", Sec(3600 * 23 + 59)));  // bucket 23: window 0..23
  EXPECT_TRUE(d.Add("caller", "kv-1", Sec(3600 * 29)));  // window = buckets 6..29: 0 and 5 left
  EXPECT_EQ(d.Count("caller", Sec(0), Sec(3600 * 6)), 2u);
  EXPECT_EQ(d.Count("caller", Sec(3600), Sec(3600 * 25)), 2u);  // kv-1 in 5, kv-2 in 23
  EXPECT_EQ(d.Count("caller", Sec(3600 * 6), Sec(3600 * 23)), 0u);
  // At most 24 buckets back (6..29): kv-2 in 23, kv-1 in 29; bucket 0 and 5 are not counted.
  EXPECT_EQ(d.Count("caller", Sec(0), Sec(3600 * 30)), 2u);
  EXPECT_TRUE(d.Add("caller", "kv-3", Sec(3600 * 29)));
  EXPECT_EQ(d.Count("caller", Sec(0), Sec(3600 * 30)), 3u);
  Reopen();
  DistinctCounter d2(store_.get(), "vaults", Duration::Hours(1), 24);
  EXPECT_EQ(d2.Count("caller", Sec(0), Sec(3600 * 6)), 2u);
  EXPECT_EQ(d2.Count("nobody", Sec(0), Sec(3600 * 6)), 0u);
}

TEST_F(PrimitivesTest, DistinctCounterSwitchesToSketchBeyondExactLimit) {
  DistinctCounter d(store_.get(), "ips", Duration::Hours(1), 2, /*exact_limit=*/16);
  for (int i = 0; i < 16; ++i) d.Add("k", "ip-" + std::to_string(i), Sec(i));
  EXPECT_EQ(d.Count("k", Sec(0), Sec(3600)), 16u);
  for (int i = 16; i < 20000; ++i) d.Add("k", "ip-" + std::to_string(i), Sec(i % 3600));
  for (int i = 0; i < 5000; ++i) d.Add("k", "ip-" + std::to_string(i), Sec(3600 + i % 3600));
  const double one = static_cast<double>(d.Count("k", Sec(0), Sec(3600)));
  EXPECT_NEAR(one, 20000, 20000 * 0.07);  // 3 sigma of 2.3%
  const double both = static_cast<double>(d.Count("k", Sec(0), Sec(7200)));
  EXPECT_NEAR(both, 20000, 20000 * 0.07);  // the union, not the sum
  Reopen();
  DistinctCounter d2(store_.get(), "ips", Duration::Hours(1), 2, 16);
  EXPECT_EQ(static_cast<double>(d2.Count("k", Sec(0), Sec(7200))), both);
}

// Members added to an existing sketch change its registers in the cached value (no re-encoding);
// after commits in between, and read back from RocksDB, the sketch is exactly the one a counter
// that saw the same members in one go holds.
TEST_F(PrimitivesTest, DistinctCounterSketchChangedInPlaceIsDurable) {
  TempDir other;
  auto ref_store = StateStore::Open({.path = other.path()}).value();
  DistinctCounter ref(ref_store.get(), "ips", Duration::Hours(1), 4, /*exact_limit=*/16);
  for (int round = 0; round < 3; ++round) {
    DistinctCounter d(store_.get(), "ips", Duration::Hours(1), 4, 16);
    for (int i = 0; i < 500; ++i) {
      const std::string ip = "ip-" + std::to_string(round * 500 + i);
      d.Add("k", ip, Sec(10 + i));
      ref.Add("k", ip, Sec(10 + i));
    }
    Reopen();  // the next round's adds change a committed (clean) value
  }
  DistinctCounter d(store_.get(), "ips", Duration::Hours(1), 4, 16);
  const uint64_t n = d.Count("k", Sec(0), Sec(3600));
  EXPECT_EQ(n, ref.Count("k", Sec(0), Sec(3600)));
  EXPECT_NEAR(static_cast<double>(n), 1500, 1500 * 0.07);
}

// Add and Count are one lookup of the key's single value, whatever the window: reading every
// bucket (360 store lookups for 15 days of hourly buckets) would mostly miss the cache on a
// tenant with many callers.
TEST_F(PrimitivesTest, DistinctCounterAddAndCountAreOneLookupWhateverTheWindow) {
  DistinctCounter d(store_.get(), "wide", Duration::Hours(1), 360);
  for (int h = 0; h < 400; h += 7) d.Add("caller", "kv-" + std::to_string(h % 5), Sec(3600 * h));
  Reopen();
  DistinctCounter d2(store_.get(), "wide", Duration::Hours(1), 360);
  StoreStats before = store_->Stats();
  EXPECT_TRUE(d2.Add("caller", "kv-new", Sec(3600 * 401)));
  EXPECT_FALSE(d2.Add("caller", "kv-3", Sec(3600 * 402)));  // seen at hour 378, in the window
  StoreStats after = store_->Stats();
  EXPECT_EQ((after.cache_hits + after.cache_misses) - (before.cache_hits + before.cache_misses),
            2u);
  EXPECT_EQ(d2.Count("caller", Sec(0), Sec(3600 * 403)), 6u);  // kv-0..kv-4 and kv-new
  StoreStats counted = store_->Stats();
  EXPECT_EQ((counted.cache_hits + counted.cache_misses) - (after.cache_hits + after.cache_misses),
            1u);
}

TEST_F(PrimitivesTest, DistinctCounterBucketCountsEqualCountOverEachBucket) {
  DistinctCounter d(store_.get(), "daily", Duration::Days(1), 15, /*exact_limit=*/8);
  for (int day = 0; day < 20; ++day) {
    for (int i = 0; i < (day % 3 == 0 ? 40 : day % 5); ++i) {  // some days become sketches
      d.Add("k", "m-" + std::to_string(day * 7 + i), Sec(86400 * day + i));
    }
  }
  const EventTime end = Sec(86400 * 19);
  std::vector<uint64_t> counts = d.BucketCounts("k", end, 14);
  ASSERT_EQ(counts.size(), 14u);
  for (int i = 0; i < 14; ++i) {
    const EventTime from = Sec(86400 * (19 - 13 + i));
    EXPECT_EQ(counts[static_cast<size_t>(i)], d.Count("k", from, from + Duration::Days(1))) << i;
  }
  EXPECT_EQ(d.BucketCounts("nobody", end, 3), std::vector<uint64_t>(3, 0));
}

// --- RunningStats ----------------------------------------------------------------------------

TEST_F(PrimitivesTest, RunningStatsMeanAndVariance) {
  RunningStats r(store_.get(), "daily");
  for (double x : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) r.Add("k", x);
  Moments m = r.Get("k");
  EXPECT_EQ(m.n, 8u);
  EXPECT_DOUBLE_EQ(m.mean, 5.0);
  EXPECT_DOUBLE_EQ(m.variance, 4.0);
  EXPECT_EQ(r.Get("none").n, 0u);
  Reopen();
  RunningStats r2(store_.get(), "daily");
  EXPECT_DOUBLE_EQ(r2.Get("k").variance, 4.0);
}

TEST_F(PrimitivesTest, RunningStatsWithTtlRestartsAfterExpiry) {
  RunningStats r(store_.get(), "b", Duration::Days(7));
  r.Add("k", 10, Sec(0));
  r.Add("k", 20, Sec(100));
  EXPECT_EQ(r.Get("k", Sec(200)).n, 2u);
  EXPECT_EQ(r.Get("k", Sec(100) + Duration::Days(7)).n, 0u);
  r.Add("k", 30, Sec(100) + Duration::Days(7));
  Moments m = r.Get("k", Sec(100) + Duration::Days(7));
  EXPECT_EQ(m.n, 1u);
  EXPECT_DOUBLE_EQ(m.mean, 30);
}

// --- SequenceTracker -------------------------------------------------------------------------

TEST_F(PrimitivesTest, SequenceTrackerKeepsOrderWindowAndBound) {
  SequenceTracker s(store_.get(), "seq", Duration::Minutes(10), 3);
  s.Push("c", {Sec(100), 1, "list"});
  s.Push("c", {Sec(300), 2, "get-a"});
  s.Push("c", {Sec(200), 2, "get-late"});  // late: lands in time order
  EXPECT_EQ(s.Recent("c", Sec(0)),
            (std::vector<Step>{
                {Sec(100), 1, "list"}, {Sec(200), 2, "get-late"}, {Sec(300), 2, "get-a"}}));
  s.Push("c", {Sec(400), 2, "get-b"});  // bound 3: the oldest goes
  EXPECT_EQ(s.Recent("c", Sec(0)).front().detail, "get-late");
  EXPECT_EQ(s.Recent("c", Sec(300)).size(), 2u);
  Reopen();
  SequenceTracker s2(store_.get(), "seq", Duration::Minutes(10), 3);
  s2.Push("c", {Sec(400) + Duration::Minutes(10), 3, "x"});  // window: steps >= 400 s stay
  auto r = s2.Recent("c", Sec(0));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].detail, "get-b");
  EXPECT_EQ(r[1].tag, 3u);
}

// --- Expiry ----------------------------------------------------------------------------------

TEST_F(PrimitivesTest, ExpireBeforeDropsExpiredValuesPhysicallyAfterCommit) {
  FirstSeenMap m(store_.get(), "f", Duration::Hours(1));
  WindowCounter w(store_.get(), "w", Duration::Minutes(1), 10);
  for (int i = 0; i < 1000; ++i) {
    m.Touch("old-" + std::to_string(i), Sec(0));
    w.Add("old-" + std::to_string(i), Sec(0));
  }
  m.Touch("fresh", Sec(7200));
  w.Add("fresh", Sec(7200));
  store_->Put("forever", "x");
  ASSERT_TRUE(store_->Commit({}).ok());
  ASSERT_TRUE(store_->Flush().ok());
  const uint64_t before = store_->Stats().estimated_keys;
  EXPECT_GE(before, 2003u);
  // Not yet committed: compaction must keep everything.
  store_->ExpireBefore(Sec(7200));
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_GE(store_->Stats().estimated_keys, 2003u);
  ASSERT_TRUE(store_->Commit({}).ok());
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_EQ(store_->Stats().estimated_keys, 3u);
  EXPECT_TRUE(m.Get("fresh", Sec(7200)).has_value());
  EXPECT_EQ(w.Sum("fresh", Sec(7200 - 60), Sec(7260)), 1);
  EXPECT_EQ(store_->Get("forever"), "x");
  // The horizon survives a reopen.
  Reopen();
  FirstSeenMap m2(store_.get(), "f", Duration::Hours(1));
  m2.Touch("old-again", Sec(0));
  ASSERT_TRUE(store_->Commit({}).ok());
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_EQ(store_->Stats().estimated_keys, 3u);
}

}  // namespace
}  // namespace vw::state
