// KeyState's persisted encoding (Encode/Decode), its scratch copy for the run ahead, and its
// hour-scoped touched set (detector.h).
#include <algorithm>

#include "processors/detectors/detector.h"
#include "processors/detectors/engine.h"
#include "processors/detectors/engine_varint.h"

namespace vw::detect {
namespace {

using internal::Reader;
using internal::Writer;

// 4 appended burst_day and burst_base; version 3 values decode with their defaults.
// 5 moved the reorder buffer out into segments (released_through_us and the segment range in
// its place); a version 3 or 4 value's embedded buffer decodes as events not yet stored.
constexpr uint64_t kKeyStateVersion = 5;
static_assert(KeyState::kMaxSegmentBytes == Engine::kMaxSegmentBytes);

}  // namespace

std::string KeyState::Encode() const {
  Writer w;
  w.U(kKeyStateVersion);
  w.I(max_seen_us);
  w.I(first_us);
  w.I(last_us);
  w.I(released_through_us);
  w.U(segments.empty() ? segment_next : segments.front().first);
  w.U(segment_next);
  for (int64_t v :
       {hour_start, hour_count, hour_threshold, day_start, day_reads, day_threshold, list_us}) {
    w.I(v);
  }
  w.S(list_vault);
  w.I(list_object);
  w.U(list_names.size());
  for (uint64_t h : list_names) w.U(h);
  w.U(recent_reads.size());
  for (auto [t, op] : recent_reads) {
    w.I(t);
    w.I(op);
  }
  w.I(policy_change_us);
  w.U(mass.size());
  for (const OpDay& m : mass) {
    w.U(m.vault);
    w.I(m.op);
    w.I(m.day);
    w.I(m.count);
    w.I(m.threshold);
  }
  for (int64_t v : {memo_day, av_baseline, avd_baseline, lg_baseline, roam_vaults}) w.I(v);
  w.I(touched_hour);
  // Sorted: the encoding does not depend on the set's layout (insertion order, capacity).
  std::vector<uint64_t> hashes;
  hashes.reserve(touched_count);
  for (uint64_t h : touched) {
    if (h != 0) hashes.push_back(h);
  }
  std::sort(hashes.begin(), hashes.end());
  w.U(hashes.size());
  for (uint64_t h : hashes) w.U(h);
  w.I(burst_day);
  w.I(burst_base);
  return w.Take();
}

bool KeyState::Decode(std::string_view bytes, KeyState* ks) {
  Reader r(bytes);
  uint64_t version, n;
  if (!r.U(&version) || version < 3 || version > kKeyStateVersion) return false;
  if (!r.I(&ks->max_seen_us) || !r.I(&ks->first_us) || !r.I(&ks->last_us)) return false;
  if (version >= 5) {
    if (!r.I(&ks->released_through_us) || !r.U(&ks->segment_lo) || !r.U(&ks->segment_next) ||
        ks->segment_lo > ks->segment_next) {
      return false;
    }
  } else {
    ks->released_through_us = ks->last_us;
    if (!r.U(&n)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      std::string s;
      // Digest and facts are filled in by the engine that loads the state.
      EventPtr e = EventPtr::Adopt(new BufferedEvent());
      if (!r.S(&s) || !e.mutable_get()->event.ParseFromString(s)) return false;
      ClearIgnoredFields(&e.mutable_get()->event);  // stored before the engine dropped them
      ks->pending.push_back(PendingEvent{std::move(e), 0, -1});
    }
    ks->unstored = static_cast<uint32_t>(ks->pending.size());
  }
  for (int64_t* v : {&ks->hour_start, &ks->hour_count, &ks->hour_threshold, &ks->day_start,
                     &ks->day_reads, &ks->day_threshold, &ks->list_us}) {
    if (!r.I(v)) return false;
  }
  if (!r.S(&ks->list_vault) || !r.I32(&ks->list_object) || !r.U(&n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t h;
    if (!r.U(&h)) return false;
    ks->list_names.push_back(h);
  }
  if (!r.U(&n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t t;
    int32_t op;
    if (!r.I(&t) || !r.I32(&op)) return false;
    ks->recent_reads.emplace_back(t, op);
  }
  if (!r.I(&ks->policy_change_us) || !r.U(&n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    OpDay m;
    if (!r.U(&m.vault) || !r.I32(&m.op) || !r.I(&m.day) || !r.I(&m.count) || !r.I(&m.threshold))
      return false;
    ks->mass.push_back(m);
  }
  for (int64_t* v :
       {&ks->memo_day, &ks->av_baseline, &ks->avd_baseline, &ks->lg_baseline, &ks->roam_vaults}) {
    if (!r.I(v)) return false;
  }
  if (!r.I(&ks->touched_hour) || !r.U(&n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t h;
    if (!r.U(&h)) return false;
    (void)ks->InsertTouched(h);
  }
  if (version >= 4 && (!r.I(&ks->burst_day) || !r.I(&ks->burst_base))) return false;
  return r.done();
}

void KeyState::CopyScratchTo(KeyState* o) const {
  o->max_seen_us = max_seen_us;
  o->first_us = first_us;
  o->last_us = last_us;
  o->released_through_us = released_through_us;
  o->hour_start = hour_start;
  o->hour_count = hour_count;
  o->hour_threshold = hour_threshold;
  o->day_start = day_start;
  o->day_reads = day_reads;
  o->day_threshold = day_threshold;
  o->list_us = list_us;
  o->list_vault = list_vault;
  o->list_object = list_object;
  o->list_names = list_names;
  o->recent_reads = recent_reads;
  o->policy_change_us = policy_change_us;
  o->mass = mass;
  o->memo_day = memo_day;
  o->av_baseline = av_baseline;
  o->avd_baseline = avd_baseline;
  o->lg_baseline = lg_baseline;
  o->roam_vaults = roam_vaults;
  o->burst_day = burst_day;
  o->burst_base = burst_base;
}

bool KeyState::TouchedThisHour(uint64_t h, int64_t now_us) {
  constexpr int64_t kHour = 3600LL * 1000000;
  int64_t hour = now_us - (((now_us % kHour) + kHour) % kHour);
  if (hour != touched_hour) {
    touched_hour = hour;
    std::fill(touched.begin(), touched.end(), 0);
    touched_count = 0;
  }
  if (h == 0) h = 1;  // 0 marks an empty slot
  if (!touched.empty()) {
    const size_t mask = touched.size() - 1;
    for (size_t i = h & mask; touched[i] != 0; i = (i + 1) & mask) {
      if (touched[i] == h) return true;
    }
  }
  (void)InsertTouched(h);
  return false;
}

bool KeyState::InsertTouched(uint64_t h) {
  if (h == 0) h = 1;
  if (touched_count >= kMaxTouched) return false;
  if (2 * (touched_count + 1) > touched.size()) {
    std::vector<uint64_t> old = std::move(touched);
    touched.assign(std::max<size_t>(16, 2 * old.size()), 0);
    touched_count = 0;
    for (uint64_t x : old) {
      if (x != 0) (void)InsertTouched(x);
    }
  }
  const size_t mask = touched.size() - 1;
  size_t i = h & mask;
  while (touched[i] != 0) {
    if (touched[i] == h) return true;
    i = (i + 1) & mask;
  }
  touched[i] = h;
  ++touched_count;
  return true;
}

}  // namespace vw::detect
