// DistinctCounter: distinct members per key per time bucket, over a sliding window of
// `num_buckets` buckets: exact (64-bit hashes) up to `exact_limit` members per bucket, then a
// HyperLogLog sketch (2^11 registers, ~2.3% standard error) so a key with millions of members
// costs 2 KiB per bucket. E.g. distinct vaults per caller per hour over 24 h.
//
// Storage: one value per key holding its buckets (so an Add or a Count is one cached lookup,
// however many buckets the window has), expiring when its newest bucket leaves the window.
// Buckets older than twice the window before the key's newest bucket are dropped when the value
// is rewritten; an Add into such a bucket is ignored (returns false).
//
// Ownership: a view over a StateStore it does not own. Thread-safety: as the StateStore (none).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.h"
#include "state/hyperloglog.h"
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
  // The same, for a caller that already has MemberHash(member) (the stored form of a member: a
  // stable hash, so it can be computed once and reused across counters and events).
  bool AddHashed(std::string_view key, uint64_t member_hash, vw::EventTime t);
  static uint64_t MemberHash(std::string_view member);
  // Distinct members over the buckets whose start lies in [from, to) (at most num_buckets).
  uint64_t Count(std::string_view key, vw::EventTime from, vw::EventTime to);
  // Count of each of the `n` buckets ending with the one holding `end` (oldest first; 0 where
  // empty or older than the window ending there): Count over each single bucket, in one lookup.
  std::vector<uint64_t> BucketCounts(std::string_view key, vw::EventTime end, int n);

 public:
  // A bucket inside a stored value (internal; public for the encoding helpers in the .cc).
  struct BucketRef {
    int64_t idx = 0;
    bool sketch = false;
    size_t n = 0;                // exact: number of fixed64 hashes at `data`
    const char* data = nullptr;  // exact: n x fixed64, sorted; sketch: the registers
  };

 private:
  static void Parse(std::string_view body, std::vector<BucketRef>* out);
  StateStore* store_;
  std::string prefix_;
  vw::Duration bucket_;
  int num_buckets_;
  size_t exact_limit_;
  // Reused between calls: no allocation per event in steady state.
  std::string key_buf_, body_buf_;
  std::vector<BucketRef> refs_;
  std::vector<uint64_t> hashes_;
  HyperLogLog merged_;  // Count's union of sketch buckets
};

}  // namespace vw::state
