// DistinctCounter: distinct members per key per time bucket, over a sliding window of
// `num_buckets` buckets: exact (64-bit hashes) up to `exact_limit` members per bucket, then a
// HyperLogLog sketch (2^11 registers, ~2.3% standard error) so a key with millions of members
// costs 2 KiB per bucket. E.g. distinct vaults per caller per hour over 24 h.
//
// Storage: one value per (key, bucket), expiring when the bucket leaves the window.
//
// Ownership: a view over a StateStore it does not own. Thread-safety: as the StateStore (none).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/types.h"
#include "state/state_store.h"

namespace vw::state {

class DistinctCounter {
 public:
  DistinctCounter(StateStore* store, std::string ns, vw::Duration bucket, int num_buckets,
                  size_t exact_limit = 64);
  // Adds `member` to the bucket holding `t`. True if it was not seen in any bucket of the
  // window ending with that bucket (exact while the sets are exact; once a bucket is a sketch,
  // "seen" means the sketch already accounts for it, so a rare new member may read as seen).
  bool Add(std::string_view key, std::string_view member, vw::EventTime t);
  // Distinct members over the buckets whose start lies in [from, to) (at most num_buckets).
  uint64_t Count(std::string_view key, vw::EventTime from, vw::EventTime to);

 private:
  std::string BucketKey(std::string_view key, int64_t bucket_index) const;
  StateStore* store_;
  std::string prefix_;
  vw::Duration bucket_;
  int num_buckets_;
  size_t exact_limit_;
};

}  // namespace vw::state
