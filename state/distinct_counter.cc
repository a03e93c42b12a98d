#include "state/distinct_counter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <span>

#include "base/check.h"
#include "state/encoding.h"
#include "state/hyperloglog.h"
#include "state/primitives_common.h"

namespace vw::state {
namespace {

// Body (one value per key): format byte 'W', varint n, then n buckets in ascending index order:
// zigzag delta of the bucket index from the previous one (from 0), kind byte, then for 'E'
// (exact) varint m + m x fixed64 member hashes, sorted; for 'H' the HyperLogLog registers.
constexpr char kFormat = 'W';
constexpr char kExact = 'E';
constexpr char kSketch = 'H';

uint64_t HashAt(const char* p) {
  uint64_t h;
  std::string_view in(p, 8);
  internal::GetFixed64(&in, &h);
  return h;
}

bool Contains(const DistinctCounter::BucketRef& b, uint64_t h) {
  if (b.sketch) return HyperLogLog::RegistersMaybeContain({b.data, HyperLogLog::kRegisters}, h);
  // Binary search over the stored, sorted fixed64 hashes, without decoding them all.
  size_t lo = 0, hi = b.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    uint64_t x = HashAt(b.data + 8 * mid);
    if (x == h) return true;
    if (x < h) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return false;
}

// Appends a bucket's index delta, kind and body (copied from `b`, the stored encoding).
void AppendRaw(std::string* out, const DistinctCounter::BucketRef& b, int64_t* prev) {
  internal::PutSigned(out, b.idx - *prev);
  *prev = b.idx;
  if (b.sketch) {
    out->push_back(kSketch);
    out->append(b.data, HyperLogLog::kRegisters);
  } else {
    out->push_back(kExact);
    internal::PutVarint64(out, b.n);
    out->append(b.data, 8 * b.n);
  }
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

void DistinctCounter::Parse(std::string_view in, std::vector<BucketRef>* out) {
  out->clear();
  VW_CHECK(!in.empty() && in.front() == kFormat) << "distinct counter: corrupt value";
  in.remove_prefix(1);
  uint64_t n = 0;
  VW_CHECK(internal::GetVarint64(&in, &n)) << "distinct counter: corrupt value";
  int64_t idx = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t delta = 0;
    VW_CHECK(internal::GetSigned(&in, &delta) && !in.empty()) << "distinct counter: corrupt";
    idx += delta;
    BucketRef b;
    b.idx = idx;
    const char kind = in.front();
    in.remove_prefix(1);
    if (kind == kSketch) {
      VW_CHECK(in.size() >= HyperLogLog::kRegisters) << "distinct counter: corrupt sketch";
      b.sketch = true;
      b.data = in.data();
      in.remove_prefix(HyperLogLog::kRegisters);
    } else {
      VW_CHECK(kind == kExact) << "distinct counter: corrupt value";
      uint64_t m = 0;
      VW_CHECK(internal::GetVarint64(&in, &m) && m <= in.size() / 8) << "distinct counter: corrupt";
      b.n = static_cast<size_t>(m);
      b.data = in.data();
      in.remove_prefix(8 * b.n);
    }
    out->push_back(b);
  }
  VW_CHECK(in.empty()) << "distinct counter: trailing bytes";
}

uint64_t DistinctCounter::MemberHash(std::string_view member) {
  return internal::StableHash64(member);
}

bool DistinctCounter::Add(std::string_view key, std::string_view member, EventTime t) {
  return AddHashed(key, MemberHash(member), t);
}

bool DistinctCounter::AddHashed(std::string_view key, uint64_t h, EventTime t) {
  const int64_t idx = internal::BucketIndex(t, bucket_);
  const std::string& k = internal::NsKeyInto(&key_buf_, prefix_, key);
  // The view stays valid until the Put below (no other store call in between).
  std::optional<std::string_view> v = store_->GetView(k);
  if (v) {
    Parse(*v, &refs_);
  } else {
    refs_.clear();
  }
  const int64_t newest = refs_.empty() ? idx : std::max(idx, refs_.back().idx);
  const int64_t oldest_kept = newest - 2 * static_cast<int64_t>(num_buckets_) + 1;
  if (idx < oldest_kept) return false;  // later than retention allows: ignored
  const BucketRef* cur = nullptr;
  for (const BucketRef& b : refs_) {
    if (b.idx == idx) cur = &b;
  }
  if (cur != nullptr && Contains(*cur, h)) return false;
  bool is_new = true;
  for (const BucketRef& b : refs_) {
    if (b.idx > idx - num_buckets_ && b.idx < idx && Contains(b, h)) {
      is_new = false;
      break;
    }
  }

  // `h` goes into a sketch bucket that exists already: the newest bucket, and with it the value's
  // expiry and the buckets it keeps, stay as they are, and the sketch's size is fixed, so only a
  // register changes, in the cached value itself. A hot caller's value holds dozens of 2 KiB
  // sketches; re-encoding it copied all of them twice for a one-byte change.
  if (cur != nullptr && cur->sketch && refs_.front().idx >= oldest_kept) {
    const size_t at = static_cast<size_t>(cur->data - v->data());
    std::span<char> body = store_->UpdateInPlace(k);
    HyperLogLog::AddToRegisters(body.data() + at, h);
    return is_new;
  }
  // Re-encode: buckets older than the retained span are dropped; the target bucket gets `h`.
  std::string& out = body_buf_;
  out.clear();
  out.push_back(kFormat);
  size_t kept = 0;
  for (const BucketRef& b : refs_) kept += b.idx >= oldest_kept ? 1 : 0;
  internal::PutVarint64(&out, kept + (cur == nullptr ? 1 : 0));
  int64_t prev = 0;
  auto append_target = [&]() {
    internal::PutSigned(&out, idx - prev);
    prev = idx;
    const size_t n = cur == nullptr ? 0 : cur->n;
    if (cur != nullptr && cur->sketch) {
      out.push_back(kSketch);
      const size_t at = out.size();
      out.append(cur->data, HyperLogLog::kRegisters);
      HyperLogLog::AddToRegisters(out.data() + at, h);
    } else if (n + 1 > exact_limit_) {
      out.push_back(kSketch);
      const size_t at = out.size();
      out.append(HyperLogLog::kRegisters, '\0');
      for (size_t i = 0; i < n; ++i)
        HyperLogLog::AddToRegisters(out.data() + at, HashAt(cur->data + 8 * i));
      HyperLogLog::AddToRegisters(out.data() + at, h);
    } else {
      out.push_back(kExact);
      internal::PutVarint64(&out, n + 1);
      size_t pos = 0;
      while (pos < n && HashAt(cur->data + 8 * pos) < h) ++pos;
      if (pos > 0) out.append(cur->data, 8 * pos);
      internal::PutFixed64(&out, h);
      if (pos < n) out.append(cur->data + 8 * pos, 8 * (n - pos));
    }
  };
  bool placed = false;
  for (const BucketRef& b : refs_) {
    if (b.idx < oldest_kept) continue;
    if (!placed && b.idx >= idx) {
      append_target();
      placed = true;
      if (b.idx == idx) continue;
    }
    AppendRaw(&out, b, &prev);
  }
  if (!placed) append_target();
  // Readers look at most num_buckets back from "now": once now is past the newest bucket by the
  // window, nothing here is visible, so the value may be dropped.
  const EventTime expires = EventTime::FromMicros((newest + 1 + num_buckets_) * bucket_.micros());
  store_->Put(k, out, expires);
  return is_new;
}

uint64_t DistinctCounter::Count(std::string_view key, EventTime from, EventTime to) {
  if (to <= from) return 0;
  // Buckets whose start lies in [from, to), at most the newest num_buckets of them.
  int64_t first = internal::BucketIndex(from, bucket_);
  if (first * bucket_.micros() < from.micros()) ++first;
  int64_t last = internal::BucketIndex(to - Duration::Micros(1), bucket_);
  first = std::max(first, last - num_buckets_ + 1);
  std::optional<std::string_view> v = store_->GetView(internal::NsKeyInto(&key_buf_, prefix_, key));
  if (!v) return 0;
  Parse(*v, &refs_);
  std::vector<uint64_t>& exact = hashes_;
  exact.clear();
  // Sketches merge straight from the stored registers into one reused sketch.
  bool any_sketch = false;
  for (const BucketRef& b : refs_) {
    if (b.idx < first || b.idx > last) continue;
    if (b.sketch) {
      if (!any_sketch) merged_.Clear();
      any_sketch = true;
      merged_.MergeRegisters({b.data, HyperLogLog::kRegisters});
    } else {
      for (size_t i = 0; i < b.n; ++i) exact.push_back(HashAt(b.data + 8 * i));
    }
  }
  if (!any_sketch) {
    std::sort(exact.begin(), exact.end());
    return static_cast<uint64_t>(std::unique(exact.begin(), exact.end()) - exact.begin());
  }
  for (uint64_t h : exact) merged_.Add(h);
  return static_cast<uint64_t>(std::llround(merged_.Estimate()));
}

std::vector<uint64_t> DistinctCounter::BucketCounts(std::string_view key, EventTime end, int n) {
  std::vector<uint64_t> out(static_cast<size_t>(std::max(n, 0)), 0);
  if (n <= 0) return out;
  const int64_t last = internal::BucketIndex(end, bucket_);
  const int64_t first = last - n + 1;
  std::optional<std::string_view> v = store_->GetView(internal::NsKeyInto(&key_buf_, prefix_, key));
  if (!v) return out;
  Parse(*v, &refs_);
  for (const BucketRef& b : refs_) {
    if (b.idx < first || b.idx > last) continue;
    // As Count over [start of b, end of b): a single bucket, never clamped by the window.
    if (b.sketch) {
      merged_.Clear();
      merged_.MergeRegisters({b.data, HyperLogLog::kRegisters});
      out[static_cast<size_t>(b.idx - first)] =
          static_cast<uint64_t>(std::llround(merged_.Estimate()));
    } else {
      out[static_cast<size_t>(b.idx - first)] = b.n;  // an exact bucket holds distinct hashes
    }
  }
  return out;
}

}  // namespace vw::state
