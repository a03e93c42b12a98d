// Physical expiry must be invisible: a store that expires and compacts aggressively gives exactly
// the same answers as one that never expires, as long as readers respect ExpireBefore's promise
// (no reads or writes at event times before the horizon). This is what makes background expiry
// deterministic, and a replay after a crash identical to the original run.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "state/distinct_counter.h"
#include "state/encoding.h"
#include "state/first_seen_map.h"
#include "state/hyperloglog.h"
#include "state/running_stats.h"
#include "state/sequence_tracker.h"
#include "state/state_store.h"
#include "state/tests/test_util.h"
#include "state/window_counter.h"

namespace vw::state {
namespace {

struct Views {
  explicit Views(StateStore* s)
      : w(s, "w", Duration::Minutes(1), 30),
        f(s, "f", Duration::Minutes(20)),
        d(s, "d", Duration::Minutes(5), 6, 8),
        q(s, "q", Duration::Minutes(10), 4),
        r(s, "r", Duration::Minutes(15)) {}
  WindowCounter w;
  FirstSeenMap f;
  DistinctCounter d;
  SequenceTracker q;
  RunningStats r;
};

// Everything observable from one event, as text.
std::string Observe(Views& v, const std::string& key, const std::string& member, EventTime t) {
  std::string out;
  v.w.Add(key, t);
  Sighting s = v.f.Touch(key + "/" + member, t);
  out += std::to_string(s.is_new) + "," + std::to_string(s.first.micros()) + ",";
  out += std::to_string(v.d.Add(key, member, t)) + ",";
  v.q.Push(key, {t, static_cast<uint32_t>(member.size()), member});
  v.r.Add(key, static_cast<double>(member.size()), t);
  out += std::to_string(v.w.Sum(key, t - Duration::Minutes(30), t + Duration::Minutes(1))) + ",";
  out += std::to_string(v.d.Count(key, t - Duration::Minutes(30), t + Duration::Minutes(1))) + ",";
  for (const Step& st : v.q.Recent(key, t - Duration::Minutes(10))) out += st.detail + ";";
  Moments m = v.r.Get(key, t);
  out += "," + std::to_string(m.n) + "," + std::to_string(m.mean);
  return out;
}

TEST(ExpiryInvarianceTest, AggressiveExpiryChangesNoAnswer) {
  testing::TempDir dir;
  // A tiny cache on `a`, so reads really go to RocksDB (a cached clean entry would hide a value
  // dropped too early; with this size a 10-minute-early drop is caught, checked by mutation).
  auto a = StateStore::Open({.path = dir.sub("a"), .write_cache_bytes = 16 << 10}).value();
  auto b = StateStore::Open({.path = dir.sub("b")}).value();
  Views va(a.get()), vb(b.get());
  std::mt19937_64 rng(7);
  const Duration lateness = Duration::Minutes(2);
  EventTime watermark = EventTime::FromSeconds(1767225600);
  uint64_t differences = 0;
  for (int i = 0; i < 8000; ++i) {
    // Mostly in order, some late within the allowed lateness; bursts of idleness expire keys.
    watermark = watermark + Duration::Seconds(static_cast<int64_t>(rng() % 3));
    if (i % 1000 == 0) watermark = watermark + Duration::Hours(1);
    const EventTime t = watermark - Duration::Seconds(static_cast<int64_t>(rng() % 120));
    const std::string key = "c" + std::to_string(rng() % 40);
    const std::string member = "m" + std::to_string(rng() % 12);
    if (Observe(va, key, member, t) != Observe(vb, key, member, t)) ++differences;
    if (i % 500 == 499) {
      a->ExpireBefore(watermark - lateness);
      ASSERT_TRUE(a->Commit({}).ok());
      ASSERT_TRUE(a->Compact().ok());
      ASSERT_TRUE(b->Commit({}).ok());
    }
  }
  EXPECT_EQ(differences, 0u);
  // And expiry really removed data from `a`.
  ASSERT_TRUE(a->Commit({}).ok());
  ASSERT_TRUE(b->Commit({}).ok());
  size_t na = 0, nb = 0;
  ASSERT_TRUE(a->ForEachCommitted([&](std::string_view, std::string_view) { ++na; }).ok());
  ASSERT_TRUE(b->ForEachCommitted([&](std::string_view, std::string_view) { ++nb; }).ok());
  EXPECT_LT(na, nb);
}

TEST(EncodingTest, VarintsZigZagAndExpiryHeader) {
  std::string buf;
  const std::vector<int64_t> values = {0, 1, -1, 63, -64, 1LL << 40, INT64_MAX, INT64_MIN};
  for (int64_t v : values) internal::PutSigned(&buf, v);
  std::string_view in(buf);
  for (int64_t v : values) {
    int64_t got = 0;
    ASSERT_TRUE(internal::GetSigned(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
  std::string_view truncated("\x80\x80", 2);
  uint64_t u;
  EXPECT_FALSE(internal::GetVarint64(&truncated, &u));
  // Expiry rounds up to whole seconds: never drops early.
  const uint64_t h = internal::ExpiryHeader(EventTime::FromMicros(10'000'001));
  EXPECT_FALSE(internal::ExpiredBy(h, 10'999'999));
  EXPECT_TRUE(internal::ExpiredBy(h, 11'000'000));
  EXPECT_FALSE(internal::ExpiredBy(internal::kNeverExpires, INT64_MAX));
}

TEST(HyperLogLogTest, EstimatesWithinErrorAndMergesAsUnion) {
  for (int n : {10, 1000, 100000}) {
    HyperLogLog h;
    for (int i = 0; i < n; ++i) h.Add(internal::StableHash64("x" + std::to_string(i)));
    EXPECT_NEAR(h.Estimate(), n, n * 0.07 + 1) << n;
  }
  HyperLogLog a, b;
  for (int i = 0; i < 5000; ++i) a.Add(internal::StableHash64("k" + std::to_string(i)));
  for (int i = 2500; i < 7500; ++i) b.Add(internal::StableHash64("k" + std::to_string(i)));
  a.Merge(b);
  EXPECT_NEAR(a.Estimate(), 7500, 7500 * 0.07);
  HyperLogLog c;
  EXPECT_TRUE(c.Load(a.bytes()));
  EXPECT_EQ(c.Estimate(), a.Estimate());
  EXPECT_FALSE(c.Load("short"));
}

TEST(HyperLogLogTest, MergeRegistersIsTheRegisterwiseMaximumAndClearEmpties) {
  HyperLogLog a, b;
  for (int i = 0; i < 3000; ++i) a.Add(internal::StableHash64("a" + std::to_string(i)));
  for (int i = 0; i < 3000; ++i) b.Add(internal::StableHash64("b" + std::to_string(i)));
  const std::string before(a.bytes());
  a.MergeRegisters(b.bytes());
  ASSERT_EQ(a.bytes().size(), HyperLogLog::kRegisters);
  for (size_t i = 0; i < HyperLogLog::kRegisters; ++i) {
    ASSERT_EQ(static_cast<uint8_t>(a.bytes()[i]),
              std::max(static_cast<uint8_t>(before[i]), static_cast<uint8_t>(b.bytes()[i])))
        << i;
  }
  a.MergeRegisters("short");  // not a sketch: ignored
  // The union estimate of two disjoint sets of 3,000.
  EXPECT_NEAR(a.Estimate(), 6000, 6000 * 0.07);
  a.Clear();
  EXPECT_EQ(a.bytes(), std::string(HyperLogLog::kRegisters, '\0'));
  EXPECT_EQ(a.Estimate(), 0.0);
}

}  // namespace
}  // namespace vw::state
