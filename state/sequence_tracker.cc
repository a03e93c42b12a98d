#include "state/sequence_tracker.h"

#include <algorithm>

#include "base/check.h"
#include "state/encoding.h"
#include "state/primitives_common.h"

namespace vw::state {
namespace {

// Body: varint n, then n x (zigzag time delta from the previous step, varint tag, detail).
std::string Encode(const std::vector<Step>& steps) {
  std::string out;
  internal::PutVarint64(&out, steps.size());
  int64_t prev = 0;
  for (const Step& s : steps) {
    internal::PutSigned(&out, s.t.micros() - prev);
    internal::PutVarint64(&out, s.tag);
    internal::PutLengthPrefixed(&out, s.detail);
    prev = s.t.micros();
  }
  return out;
}

std::vector<Step> Decode(std::string_view in) {
  uint64_t n = 0;
  VW_CHECK(internal::GetVarint64(&in, &n)) << "sequence tracker: corrupt value";
  std::vector<Step> steps;
  steps.reserve(n);
  int64_t prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t d = 0;
    uint64_t tag = 0;
    std::string_view detail;
    VW_CHECK(internal::GetSigned(&in, &d) && internal::GetVarint64(&in, &tag) &&
             internal::GetLengthPrefixed(&in, &detail))
        << "sequence tracker: corrupt value";
    prev += d;
    steps.push_back({EventTime::FromMicros(prev), static_cast<uint32_t>(tag), std::string(detail)});
  }
  return steps;
}

}  // namespace

SequenceTracker::SequenceTracker(StateStore* store, std::string ns, Duration window,
                                 size_t max_steps)
    : store_(store), prefix_(internal::MakePrefix(ns)), window_(window), max_steps_(max_steps) {
  VW_CHECK(store_ != nullptr);
  VW_CHECK(window_.micros() > 0) << "sequence tracker: window must be positive";
  VW_CHECK(max_steps_ > 0) << "sequence tracker: max_steps must be positive";
}

void SequenceTracker::Push(std::string_view key, const Step& step) {
  const std::string& k = internal::NsKeyInto(&key_buf_, prefix_, key);
  std::vector<Step> steps;
  if (auto v = store_->GetView(k)) steps = Decode(*v);
  // Insert after any step with the same time, so equal-time steps keep arrival order.
  auto it = std::upper_bound(steps.begin(), steps.end(), step.t,
                             [](EventTime t, const Step& s) { return t < s.t; });
  steps.insert(it, step);
  const EventTime newest = steps.back().t;
  const EventTime cutoff = newest - window_;
  std::erase_if(steps, [&](const Step& s) { return s.t < cutoff; });
  if (steps.size() > max_steps_) {
    steps.erase(steps.begin(), steps.end() - static_cast<std::ptrdiff_t>(max_steps_));
  }
  // Readers ask for steps since (now - window): once now > newest + window nothing is visible.
  store_->Put(k, Encode(steps), newest + window_ + Duration::Micros(1));
}

std::vector<Step> SequenceTracker::Recent(std::string_view key, EventTime since) {
  auto v = store_->GetView(internal::NsKeyInto(&key_buf_, prefix_, key));
  if (!v) return {};
  std::vector<Step> steps = Decode(*v);
  std::erase_if(steps, [&](const Step& s) { return s.t < since; });
  return steps;
}

}  // namespace vw::state
