#include "state/window_counter.h"

#include <algorithm>
#include <utility>

#include "base/check.h"
#include "state/encoding.h"
#include "state/primitives_common.h"

namespace vw::state {
namespace {

using Buckets_ = std::vector<std::pair<int64_t, int64_t>>;  // (bucket index, sum), ascending

// Body: varint n, then n x (zigzag delta of bucket index from the previous one, zigzag sum).
void Encode(const Buckets_& b, std::string* out) {
  out->clear();
  internal::PutVarint64(out, b.size());
  int64_t prev = 0;
  for (const auto& [idx, sum] : b) {
    internal::PutSigned(out, idx - prev);
    internal::PutSigned(out, sum);
    prev = idx;
  }
}

void DecodeInto(std::string_view in, Buckets_* out) {
  Buckets_& b = *out;
  b.clear();
  uint64_t n = 0;
  VW_CHECK(internal::GetVarint64(&in, &n)) << "window counter: corrupt value";
  b.reserve(n);
  int64_t prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t d = 0, sum = 0;
    VW_CHECK(internal::GetSigned(&in, &d) && internal::GetSigned(&in, &sum))
        << "window counter: corrupt value";
    prev += d;
    b.emplace_back(prev, sum);
  }
}

}  // namespace

WindowCounter::WindowCounter(StateStore* store, std::string ns, Duration bucket, int num_buckets)
    : store_(store), prefix_(internal::MakePrefix(ns)), bucket_(bucket), num_buckets_(num_buckets) {
  VW_CHECK(store_ != nullptr);
  VW_CHECK(bucket_.micros() > 0) << "window counter: bucket width must be positive";
  VW_CHECK(num_buckets_ > 0) << "window counter: num_buckets must be positive";
}

bool WindowCounter::Add(std::string_view key, EventTime t, int64_t delta) {
  const std::string& k = internal::NsKeyInto(&key_buf_, prefix_, key);
  const int64_t idx = internal::BucketIndex(t, bucket_);
  Buckets_& b = buckets_;
  b.clear();
  if (auto v = store_->GetView(k)) DecodeInto(*v, &b);
  const int64_t newest = b.empty() ? idx : std::max(idx, b.back().first);
  const int64_t oldest_kept = newest - num_buckets_ + 1;
  if (idx < oldest_kept) return false;  // later than retention allows: ignored
  auto it = std::lower_bound(b.begin(), b.end(), idx,
                             [](const auto& e, int64_t i) { return e.first < i; });
  if (it != b.end() && it->first == idx) {
    it->second += delta;
  } else {
    b.insert(it, {idx, delta});
  }
  // Drop buckets that left the retained span, and buckets that summed back to zero.
  std::erase_if(b, [&](const auto& e) { return e.first < oldest_kept || e.second == 0; });
  if (b.empty()) {
    store_->Delete(k);
    return true;
  }
  // Readers look at most num_buckets back from "now": once now >= the end of the newest bucket
  // plus the span, nothing here is visible, so the value may be dropped.
  const EventTime expires = EventTime::FromMicros((newest + 1 + num_buckets_) * bucket_.micros());
  Encode(b, &body_buf_);
  store_->Put(k, body_buf_, expires);
  return true;
}

int64_t WindowCounter::Sum(std::string_view key, EventTime from, EventTime to) {
  if (to <= from) return 0;
  auto v = store_->GetView(internal::NsKeyInto(&key_buf_, prefix_, key));
  if (!v) return 0;
  int64_t total = 0;
  DecodeInto(*v, &buckets_);
  for (const auto& [idx, sum] : buckets_) {
    const int64_t start = idx * bucket_.micros();
    if (start >= from.micros() && start < to.micros()) total += sum;
  }
  return total;
}

std::vector<int64_t> WindowCounter::Buckets(std::string_view key, EventTime end, int n) {
  std::vector<int64_t> out(static_cast<size_t>(std::max(n, 0)), 0);
  if (n <= 0) return out;
  auto v = store_->GetView(internal::NsKeyInto(&key_buf_, prefix_, key));
  if (!v) return out;
  const int64_t last = internal::BucketIndex(end, bucket_);
  const int64_t first = last - n + 1;
  DecodeInto(*v, &buckets_);
  for (const auto& [idx, sum] : buckets_) {
    if (idx >= first && idx <= last) out[static_cast<size_t>(idx - first)] = sum;
  }
  return out;
}

std::vector<int64_t> WindowCounter::SamePhase(std::string_view key, EventTime end, Duration period,
                                              int n) {
  VW_CHECK(period.micros() > 0 && period.micros() % bucket_.micros() == 0)
      << "window counter: period must be a positive multiple of the bucket width";
  std::vector<int64_t> out(static_cast<size_t>(std::max(n, 0)), 0);
  if (n <= 0) return out;
  auto v = store_->GetView(internal::NsKeyInto(&key_buf_, prefix_, key));
  if (!v) return out;
  const int64_t step = period.micros() / bucket_.micros();
  const int64_t last = internal::BucketIndex(end, bucket_);
  DecodeInto(*v, &buckets_);
  for (const auto& [idx, sum] : buckets_) {
    const int64_t back = last - idx;
    if (back > 0 && back % step == 0 && back / step <= n) {
      out[static_cast<size_t>(back / step - 1)] = sum;
    }
  }
  return out;
}

}  // namespace vw::state
