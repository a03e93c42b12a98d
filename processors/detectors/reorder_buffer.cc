#include "processors/detectors/reorder_buffer.h"

#include <algorithm>

#include "base/check.h"
#include "processors/detectors/engine.h"
#include "processors/detectors/engine_varint.h"

namespace vw::detect::internal {
namespace {
constexpr uint64_t kSegmentVersion = 1;
}  // namespace

// Canonical order of events with equal time: content fields that do not depend on delivery
// (never the source offset), so a shuffle within the lateness bound sorts the same way.
bool CanonicalLess(const v1::AccessEvent& a, const v1::AccessEvent& b) {
  if (a.time_us() != b.time_us()) return a.time_us() < b.time_us();
  if (int c = a.correlation_id().compare(b.correlation_id()); c != 0) return c < 0;
  if (a.operation() != b.operation()) return a.operation() < b.operation();
  if (int c = a.operation_name().compare(b.operation_name()); c != 0) return c < 0;
  if (int c = a.vault_id().compare(b.vault_id()); c != 0) return c < 0;
  if (int c = a.caller().object_id().compare(b.caller().object_id()); c != 0) return c < 0;
  if (int c = a.caller().app_id().compare(b.caller().app_id()); c != 0) return c < 0;
  if (int c = a.caller().ip().compare(b.caller().ip()); c != 0) return c < 0;
  if (a.http_status() != b.http_status()) return a.http_status() < b.http_status();
  if (int c = a.target_name().compare(b.target_name()); c != 0) return c < 0;
  if (int c = a.target_version().compare(b.target_version()); c != 0) return c < 0;
  // (request_uri, which came next, is one of the fields the engine drops: ClearIgnoredFields.)
  return a.SerializeAsString() < b.SerializeAsString();  // identical but for rare fields
}

std::string EncodeSegment(const std::vector<const v1::AccessEvent*>& events) {
  Writer w;
  w.U(kSegmentVersion);
  w.U(events.size());
  std::string buf;
  for (const v1::AccessEvent* e : events) {
    buf.clear();
    e->SerializeToString(&buf);
    w.S(buf);
  }
  return w.Take();
}

bool DecodeSegment(std::string_view bytes, std::vector<EventPtr>* out) {
  Reader r(bytes);
  uint64_t version, n;
  if (!r.U(&version) || version != kSegmentVersion || !r.U(&n)) return false;
  std::string s;
  for (uint64_t i = 0; i < n; ++i) {
    EventPtr e = EventPtr::Adopt(new BufferedEvent());
    if (!r.S(&s) || !e.mutable_get()->event.ParseFromString(s)) return false;
    ClearIgnoredFields(&e.mutable_get()->event);  // stored before the engine dropped them
    out->push_back(std::move(e));
  }
  return r.done();
}

void OffsetCounts::Add(int64_t offset) {
  if (counts_.empty() || counts_.back().first < offset) {
    counts_.emplace_back(offset, 1);
  } else if (counts_.back().first == offset) {
    ++counts_.back().second;
  } else {  // not expected (input order); kept exact anyway
    auto it = std::lower_bound(counts_.begin(), counts_.end(), std::make_pair(offset, uint64_t{0}));
    if (it != counts_.end() && it->first == offset) {
      ++it->second;
    } else {
      counts_.emplace(it, offset, 1);
    }
  }
}

void OffsetCounts::Remove(int64_t offset) {
  // Mostly the oldest (events leave the buffer roughly in input order): no search then.
  auto it =
      !counts_.empty() && counts_.front().first == offset
          ? counts_.begin()
          : std::lower_bound(counts_.begin(), counts_.end(), std::make_pair(offset, uint64_t{0}));
  VW_CHECK(it != counts_.end() && it->first == offset && it->second > 0)
      << "unstored event at unknown input offset " << offset;
  --it->second;
  while (!counts_.empty() && counts_.front().second == 0) counts_.pop_front();
}

}  // namespace vw::detect::internal
