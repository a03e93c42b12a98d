// The reorder buffer's parts besides the engine's driver: the canonical order of buffered events,
// the stored segment encoding, and the multiset of input offsets of events not stored yet.
// Internal to processors/detectors/ (engine.cc). Not thread-safe, like the Engine.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "processors/detectors/detector.h"
#include "vw/v1/access_event.pb.h"

namespace vw::detect::internal {

// Canonical order of events with equal time: content fields that do not depend on delivery
// (never the source offset), so a shuffle within the lateness bound sorts the same way.
bool CanonicalLess(const v1::AccessEvent& a, const v1::AccessEvent& b);

// A reorder-buffer segment: the events a key buffered between two commits (or a share of them).
std::string EncodeSegment(const std::vector<const v1::AccessEvent*>& events);
// False if `bytes` is not a segment this code wrote; the events have their ignored fields cleared.
[[nodiscard]] bool DecodeSegment(std::string_view bytes, std::vector<EventPtr>* out);

// The input offsets of the buffered events the store does not hold, as a multiset. Offsets come
// non-decreasing (one input partition, read in order), so it is a deque of (offset, count)
// sorted by offset, and the smallest is its front.
class OffsetCounts {
 public:
  void Add(int64_t offset);
  void Remove(int64_t offset);
  int64_t Min() const { return counts_.empty() ? -1 : counts_.front().first; }

 private:
  std::deque<std::pair<int64_t, uint64_t>> counts_;
};

}  // namespace vw::detect::internal
