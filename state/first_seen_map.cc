#include "state/first_seen_map.h"

#include <algorithm>

#include "base/check.h"
#include "state/encoding.h"
#include "state/primitives_common.h"

namespace vw::state {
namespace {

// Body: zigzag first (us), varint (last - first) (us).
struct Seen {
  int64_t first, last;
};

const std::string& Encode(const Seen& s, std::string* out) {
  out->clear();
  internal::PutSigned(out, s.first);
  internal::PutVarint64(out, static_cast<uint64_t>(s.last - s.first));
  return *out;
}

Seen Decode(std::string_view in) {
  int64_t first = 0;
  uint64_t span = 0;
  VW_CHECK(internal::GetSigned(&in, &first) && internal::GetVarint64(&in, &span))
      << "first-seen map: corrupt value";
  return {first, first + static_cast<int64_t>(span)};
}

}  // namespace

FirstSeenMap::FirstSeenMap(StateStore* store, std::string ns, Duration ttl)
    : store_(store), prefix_(internal::MakePrefix(ns)), ttl_(ttl) {
  VW_CHECK(store_ != nullptr);
  VW_CHECK(ttl_.micros() > 0) << "first-seen map: ttl must be positive";
}

Sighting FirstSeenMap::Touch(std::string_view key, EventTime t) {
  const std::string& k = internal::NsKeyInto(&key_buf_, prefix_, key);
  const int64_t now = t.micros();
  std::optional<Seen> seen;
  if (auto v = store_->GetView(k)) seen = Decode(*v);
  if (!seen || now >= seen->last + ttl_.micros()) {
    store_->Put(k, Encode({now, now}, &body_buf_), t + ttl_);
    return {true, t, t};
  }
  Sighting result{false, EventTime::FromMicros(seen->first), EventTime::FromMicros(seen->last)};
  Seen next{std::min(seen->first, now), std::max(seen->last, now)};
  if (next.first != seen->first || next.last != seen->last) {
    store_->Put(k, Encode(next, &body_buf_), EventTime::FromMicros(next.last) + ttl_);
  }
  return result;
}

std::optional<Sighting> FirstSeenMap::Get(std::string_view key, EventTime now) {
  auto v = store_->GetView(internal::NsKeyInto(&key_buf_, prefix_, key));
  if (!v) return std::nullopt;
  Seen s = Decode(*v);
  if (now.micros() >= s.last + ttl_.micros()) return std::nullopt;
  return Sighting{false, EventTime::FromMicros(s.first), EventTime::FromMicros(s.last)};
}

}  // namespace vw::state
