// WindowCounter: bucketed sliding-window sums per key (e.g. per minute over an hour, per hour over
// 14 days), keyed and expired by event time.
//
// Storage: one value per key holding its non-zero buckets among the `num_buckets` buckets that end
// with the newest bucket written for that key (varint-encoded, so a sparse key costs a few bytes).
// Events in a bucket older than that span are late beyond retention: they are ignored (Add returns
// false). A key idle for the whole span expires (StateStore::ExpireBefore drops it physically).
//
// Ownership: a view over a StateStore it does not own. Thread-safety: as the StateStore (none).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/types.h"
#include "state/state_store.h"

namespace vw::state {

class WindowCounter {
 public:
  // `ns`: a short non-empty namespace (no '\0'), unique per primitive in the store.
  WindowCounter(StateStore* store, std::string ns, vw::Duration bucket, int num_buckets);

  // Adds `delta` to the bucket holding `t`. Returns false (and changes nothing) when that bucket
  // is older than the retained span of this key.
  bool Add(std::string_view key, vw::EventTime t, int64_t delta = 1);
  // Sum of the buckets whose start lies in [from, to).
  int64_t Sum(std::string_view key, vw::EventTime from, vw::EventTime to);
  // The `n` bucket sums ending with the bucket that holds `end` (oldest first), zeros where empty.
  std::vector<int64_t> Buckets(std::string_view key, vw::EventTime end, int n);
  // Seasonality (e.g. hour-of-week): the sums of the bucket `period` before the one holding
  // `end`, 2 periods before, ..., `n` periods before (most recent first). `period` is a multiple
  // of the bucket width (e.g. 7 days with hourly buckets); older than retention reads as 0.
  std::vector<int64_t> SamePhase(std::string_view key, vw::EventTime end, vw::Duration period,
                                 int n);

  vw::Duration bucket() const { return bucket_; }
  int num_buckets() const { return num_buckets_; }

 private:
  StateStore* store_;
  std::string prefix_;
  vw::Duration bucket_;
  int num_buckets_;
  std::string key_buf_, body_buf_;  // reused: no allocation per event in steady state
  std::vector<std::pair<int64_t, int64_t>> buckets_;  // decoded (bucket index, sum), reused
};

}  // namespace vw::state
