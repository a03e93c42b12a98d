#include "state/running_stats.h"

#include "base/check.h"
#include "state/encoding.h"
#include "state/primitives_common.h"

namespace vw::state {
namespace {

// Body: varint n, double mean, double m2, then (with a ttl) zigzag last update time (us).
struct Welford {
  uint64_t n = 0;
  double mean = 0, m2 = 0;
  int64_t last_us = 0;
};

std::string Encode(const Welford& w, bool with_time) {
  std::string out;
  internal::PutVarint64(&out, w.n);
  internal::PutDouble(&out, w.mean);
  internal::PutDouble(&out, w.m2);
  if (with_time) internal::PutSigned(&out, w.last_us);
  return out;
}

Welford Decode(std::string_view in) {
  Welford w;
  VW_CHECK(internal::GetVarint64(&in, &w.n) && internal::GetDouble(&in, &w.mean) &&
           internal::GetDouble(&in, &w.m2))
      << "running stats: corrupt value";
  if (!in.empty()) VW_CHECK(internal::GetSigned(&in, &w.last_us)) << "running stats: corrupt";
  return w;
}

Moments ToMoments(const Welford& w) {
  Moments m;
  m.n = w.n;
  m.mean = w.mean;
  m.variance = w.n >= 2 ? w.m2 / static_cast<double>(w.n) : 0.0;
  return m;
}

void Update(Welford* w, double x) {
  ++w->n;
  const double d = x - w->mean;
  w->mean += d / static_cast<double>(w->n);
  w->m2 += d * (x - w->mean);
}

}  // namespace

RunningStats::RunningStats(StateStore* store, std::string ns)
    : RunningStats(store, std::move(ns), Duration()) {}

RunningStats::RunningStats(StateStore* store, std::string ns, Duration ttl)
    : store_(store), prefix_(internal::MakePrefix(ns)), ttl_(ttl) {
  VW_CHECK(store_ != nullptr);
  VW_CHECK(ttl_.micros() >= 0);
}

void RunningStats::Add(std::string_view key, double x) {
  const std::string& k = internal::NsKeyInto(&key_buf_, prefix_, key);
  Welford w;
  if (auto v = store_->GetView(k)) w = Decode(*v);
  Update(&w, x);
  store_->Put(k, Encode(w, false));
}

Moments RunningStats::Get(std::string_view key) {
  auto v = store_->GetView(internal::NsKeyInto(&key_buf_, prefix_, key));
  if (!v) return {};
  return ToMoments(Decode(*v));
}

void RunningStats::Add(std::string_view key, double x, EventTime t) {
  if (ttl_.micros() == 0) return Add(key, x);
  const std::string& k = internal::NsKeyInto(&key_buf_, prefix_, key);
  Welford w;
  if (auto v = store_->GetView(k)) {
    w = Decode(*v);
    if (t.micros() >= w.last_us + ttl_.micros()) w = Welford();  // expired: start afresh
  }
  Update(&w, x);
  w.last_us = std::max(w.last_us, t.micros());
  store_->Put(k, Encode(w, true), EventTime::FromMicros(w.last_us) + ttl_);
}

Moments RunningStats::Get(std::string_view key, EventTime now) {
  auto v = store_->GetView(internal::NsKeyInto(&key_buf_, prefix_, key));
  if (!v) return {};
  Welford w = Decode(*v);
  if (ttl_.micros() > 0 && now.micros() >= w.last_us + ttl_.micros()) return {};
  return ToMoments(w);
}

}  // namespace vw::state
