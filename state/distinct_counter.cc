#include "state/distinct_counter.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <vector>

#include "base/check.h"
#include "state/encoding.h"
#include "state/hyperloglog.h"
#include "state/primitives_common.h"

namespace vw::state {
namespace {

// Body: kind byte, then for 'E' (exact) varint n + n x fixed64 hashes, sorted; for 'H' the
// HyperLogLog registers.
constexpr char kExact = 'E';
constexpr char kSketch = 'H';

struct BucketSet {
  bool sketch = false;
  std::vector<uint64_t> exact;  // sorted
  HyperLogLog hll;              // when sketch

  bool Contains(uint64_t h) const {
    return sketch ? hll.MaybeContains(h) : std::binary_search(exact.begin(), exact.end(), h);
  }
};

std::string Encode(const BucketSet& b) {
  std::string out;
  if (b.sketch) {
    out.push_back(kSketch);
    out.append(b.hll.bytes());
  } else {
    out.push_back(kExact);
    internal::PutVarint64(&out, b.exact.size());
    for (uint64_t h : b.exact) internal::PutFixed64(&out, h);
  }
  return out;
}

BucketSet Decode(std::string_view in) {
  BucketSet b;
  VW_CHECK(!in.empty()) << "distinct counter: corrupt value";
  const char kind = in.front();
  in.remove_prefix(1);
  if (kind == kSketch) {
    b.sketch = true;
    VW_CHECK(b.hll.Load(in)) << "distinct counter: corrupt sketch";
    return b;
  }
  VW_CHECK(kind == kExact) << "distinct counter: corrupt value";
  uint64_t n = 0;
  VW_CHECK(internal::GetVarint64(&in, &n) && n <= in.size() / 8) << "distinct counter: corrupt";
  b.exact.resize(n);
  for (uint64_t i = 0; i < n; ++i) VW_CHECK(internal::GetFixed64(&in, &b.exact[i]));
  return b;
}

}  // namespace

DistinctCounter::DistinctCounter(StateStore* store, std::string ns, Duration bucket,
                                 int num_buckets, size_t exact_limit)
    : store_(store),
      prefix_(internal::MakePrefix(ns)),
      bucket_(bucket),
      num_buckets_(num_buckets),
      exact_limit_(exact_limit) {
  VW_CHECK(store_ != nullptr);
  VW_CHECK(bucket_.micros() > 0) << "distinct counter: bucket width must be positive";
  VW_CHECK(num_buckets_ > 0) << "distinct counter: num_buckets must be positive";
}

// "<ns>\0<key>\0<bucket index, 8 bytes big-endian>": the fixed-width suffix keeps keys of
// different lengths from colliding.
std::string DistinctCounter::BucketKey(std::string_view key, int64_t bucket_index) const {
  std::string k = internal::NsKey(prefix_, key);
  k.push_back('\0');
  const auto u = static_cast<uint64_t>(bucket_index);
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(static_cast<uint8_t>(u >> (8 * i))));
  return k;
}

bool DistinctCounter::Add(std::string_view key, std::string_view member, EventTime t) {
  const uint64_t h = internal::StableHash64(member);
  const int64_t idx = internal::BucketIndex(t, bucket_);
  const std::string k = BucketKey(key, idx);
  BucketSet cur;
  if (auto v = store_->GetView(k)) cur = Decode(*v);
  if (cur.Contains(h)) return false;
  bool is_new = true;
  for (int64_t i = idx - num_buckets_ + 1; i < idx && is_new; ++i) {
    if (auto v = store_->GetView(BucketKey(key, i))) is_new = !Decode(*v).Contains(h);
  }
  if (cur.sketch) {
    cur.hll.Add(h);
  } else {
    cur.exact.insert(std::lower_bound(cur.exact.begin(), cur.exact.end(), h), h);
    if (cur.exact.size() > exact_limit_) {
      cur.sketch = true;
      for (uint64_t x : cur.exact) cur.hll.Add(x);
      cur.exact.clear();
      cur.exact.shrink_to_fit();
    }
  }
  // Readers look at most num_buckets back from "now"; after that this bucket is invisible.
  const EventTime expires = EventTime::FromMicros((idx + 1 + num_buckets_) * bucket_.micros());
  store_->Put(k, Encode(cur), expires);
  return is_new;
}

uint64_t DistinctCounter::Count(std::string_view key, EventTime from, EventTime to) {
  if (to <= from) return 0;
  // Buckets whose start lies in [from, to), at most the newest num_buckets of them.
  int64_t first = internal::BucketIndex(from, bucket_);
  if (first * bucket_.micros() < from.micros()) ++first;
  int64_t last = internal::BucketIndex(to - Duration::Micros(1), bucket_);
  first = std::max(first, last - num_buckets_ + 1);
  std::vector<uint64_t> exact;
  HyperLogLog merged;
  bool any_sketch = false;
  for (int64_t i = first; i <= last; ++i) {
    auto v = store_->GetView(BucketKey(key, i));
    if (!v) continue;
    BucketSet b = Decode(*v);
    if (b.sketch) {
      any_sketch = true;
      merged.Merge(b.hll);
    } else {
      exact.insert(exact.end(), b.exact.begin(), b.exact.end());
    }
  }
  if (!any_sketch) {
    std::sort(exact.begin(), exact.end());
    return static_cast<uint64_t>(std::unique(exact.begin(), exact.end()) - exact.begin());
  }
  for (uint64_t h : exact) merged.Add(h);
  return static_cast<uint64_t>(std::llround(merged.Estimate()));
}

}  // namespace vw::state
