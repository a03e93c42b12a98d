// Internal to vw_detectors: the Detector interface, the narrow context a detector sees, and the
// per-key engine state (KeyState). Not part of the module's public API (engine.h is).
//
// A Detector sees one released event at a time, in canonical event-time order for its key, plus a
// DetectorContext: the config, the threat-intel lists, its key's KeyState (first sighting and
// small scratch fields that the Engine persists), precomputed facts about the event, and an
// Emitter that deduplicates and renders findings. Its long-lived state is in state/ primitives
// over the StateStore, built in its constructor. Detectors never read the wall clock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/hash.h"
#include "base/types.h"
#include "processors/detectors/config.h"
#include "processors/detectors/front_queue.h"
#include "processors/detectors/threat_intel.h"
#include "state/state_store.h"
#include "vw/v1/access_event.pb.h"

namespace vw::detect {

// What is known about the event's source address, computed once per event.
struct EventFacts {
  bool has_ip = false, tor = false, suspicious = false, microsoft = false, internal = false;
};

// Hashes of an event's identifying strings, computed once when the event enters the engine (its
// strings are then in cache; by release time, after the reorder buffer, they rarely are) and
// shared by both keyings. Detectors combine them for their hour-scoped skip sets instead of
// re-reading and re-hashing the strings. Never persisted: recomputed from the event.
struct EventDigest {
  uint64_t vault = 0;   // vault id
  uint64_t caller = 0;  // the caller key (ingest::CallerKeyView)
  uint64_t op = 0;      // operation name as in the record (else the enum's name)
  uint64_t name = 0;    // target name
  uint64_t app = 0;     // caller app id
  // Stored (stable) hashes of the vault id, byte-at-a-time over ~110 bytes, so memoised per vault
  // by the engine: FNV-1a (KeyState::OpDay::vault) and DistinctCounter::MemberHash.
  uint64_t vault_fnv = 0;
  uint64_t vault_member = 0;
};

class EventPool;

// An event as the engine buffers it: the event, plus what is computed once for it.
struct BufferedEvent {
  v1::AccessEvent event;
  EventDigest digest;
  EventFacts facts;
  uint32_t refs = 0;          // EventPtrs to it
  EventPool* pool = nullptr;  // where the last one returns it (else it is deleted)
};

// A counted reference to a BufferedEvent, shared by the two keyings' reorder buffers. Not
// thread-safe, like the Engine: no control block to allocate and no atomic operations, which
// std::shared_ptr cost per event. The last reference returns the event to its pool.
class EventPtr {
 public:
  EventPtr() = default;
  // Takes the first reference to `e` (owned from now on by its references).
  static EventPtr Adopt(BufferedEvent* e) {
    EventPtr p;
    p.p_ = e;
    ++e->refs;
    return p;
  }
  EventPtr(const EventPtr& o) : p_(o.p_) {
    if (p_ != nullptr) ++p_->refs;
  }
  EventPtr(EventPtr&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  EventPtr& operator=(EventPtr o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~EventPtr() {
    if (p_ != nullptr && --p_->refs == 0) Recycle(p_);
  }
  const BufferedEvent* operator->() const { return p_; }
  const BufferedEvent& operator*() const { return *p_; }
  const BufferedEvent* get() const { return p_; }
  // For the engine, which computes the digest and facts of events it decodes.
  BufferedEvent* mutable_get() const { return p_; }

 private:
  static void Recycle(BufferedEvent* e);
  BufferedEvent* p_ = nullptr;
};

// Released BufferedEvents kept for reuse: their strings keep their capacity, so steady input
// allocates nothing per event.
class EventPool {
 public:
  explicit EventPool(size_t max_pooled) : max_pooled_(max_pooled) {}
  EventPool(const EventPool&) = delete;
  EventPool& operator=(const EventPool&) = delete;
  BufferedEvent* Take();
  void Return(BufferedEvent* e);

 private:
  size_t max_pooled_;
  std::vector<std::unique_ptr<BufferedEvent>> free_;
};

// A buffered event, the stored segment holding it (0: not stored yet) and the input offset it
// was read at (-1: none; Engine::ProcessSerialized).
struct PendingEvent {
  EventPtr event;
  uint64_t segment = 0;
  int64_t input_offset = -1;
  // The detectors that decide on arrival have seen it (early alerts on); else they see it with
  // the ordered ones at release. Not persisted: a restored event is decided again at release,
  // where an alert already emitted is suppressed by its committed claim.
  bool decided = false;
};

// Per-key engine state. Persisted by Engine::PrepareCommit as one value per key, plus the
// reorder buffer in segments: each commit stores the events buffered since the previous one as
// new segments (at most kMaxSegmentBytes each) and deletes the segments whose events have all
// been released. A busy key's buffer (10 minutes of its events) is thus written once per event,
// never rewritten whole at every commit, and no single value outgrows a Kafka record.
struct KeyState {
  // --- engine ---
  int64_t max_seen_us = INT64_MIN;  // largest event time seen for the key (arrival)
  int64_t first_us = INT64_MAX;     // first released event: the key's history starts here
  int64_t last_us = INT64_MIN;      // last released event
  // Largest released event time: stored events at or before it were released (and a later
  // arrival at or before it is late), which is how a restore tells them from buffered ones.
  int64_t released_through_us = INT64_MIN;
  FrontQueue<PendingEvent> pending;  // reorder buffer, canonical order
  // Stored segments [segment_lo, segment_next) may hold buffered events (persisted);
  // `segments` lists those that do, with their count of buffered events (not persisted).
  uint64_t segment_lo = 1, segment_next = 1;
  std::vector<std::pair<uint64_t, uint32_t>> segments;
  uint32_t unstored = 0;  // buffered events in no segment yet (segment == 0)
  bool marked = false;    // the store holds the key's "has buffered events" marker
  bool dirty = false;     // changed since the last PrepareCommit
  // The time under which the key sits in the engine's release queue (its oldest buffered event);
  // INT64_MAX while its buffer is empty. Not persisted: rebuilt when the buffer is loaded.
  int64_t queued_us = INT64_MAX;
  uint32_t queue_refs = 0;  // release-queue entries pointing to this key, stale ones included
  // The engine's bounded key cache (not persisted): the bytes the key is charged, its slots in
  // the cache's CLOCK ring and in the list of keys the next commit visits (`listed`), and
  // whether it was used since the CLOCK hand last passed.
  uint32_t cache_bytes = 0;
  uint32_t ring_slot = 0, commit_slot = 0;
  bool listed = false, referenced = false;
  static constexpr size_t kMaxSegmentBytes = 256 << 10;
  // --- vault scratch: the open hour and day, with their memoised thresholds (-1: unknown) ---
  int64_t hour_start = INT64_MIN, hour_count = 0, hour_threshold = -1;
  int64_t day_start = INT64_MIN, day_reads = 0, day_threshold = -1;
  // --- caller scratch ---
  int64_t list_us = INT64_MIN;       // last List operation
  std::string list_vault;            // ... on this vault
  int32_t list_object = 0;           // ... of this ObjectType
  std::vector<uint64_t> list_names;  // distinct names read since (hashes, sorted)
  std::vector<std::pair<int64_t, int32_t>> recent_reads;  // (time, operation) in the last minute
  int64_t policy_change_us = INT64_MIN;                   // last VaultPut/VaultPatch by the caller
  struct OpDay {
    uint64_t vault = 0;  // hash of the vault id
    int32_t op = 0;
    int64_t day = 0, count = 0, threshold = -1;
  };
  std::vector<OpDay> mass;       // today's successful gets per operation
  int64_t memo_day = INT64_MIN;  // day the following baselines were computed for
  int64_t av_baseline = -1, avd_baseline = -1, lg_baseline = -1, roam_vaults = -1;
  // Excessive retrieval: the day a burst was last recorded, and that day's baseline (bursts on
  // the previous days: constant through the day, so read and recorded once a day).
  int64_t burst_day = INT64_MIN, burst_base = 0;

  // Hashes of the state keys already touched in the hour starting at `touched_hour`: a second
  // touch of a FirstSeenMap key within the hour is skipped (it would only move `last` by less
  // than an hour, far below every ttl), which saves most store accesses on steady traffic.
  int64_t touched_hour = INT64_MIN;
  // An open-addressing set (0 = empty slot; size 0 or a power of two, at most half full):
  // one probe per test where a sorted vector took a binary search and an insertion.
  std::vector<uint64_t> touched;
  uint32_t touched_count = 0;
  // True if `h` was already touched this hour (else records it).
  bool TouchedThisHour(uint64_t h, int64_t now_us);
  // Records `h` in the set (no hour check); false if the set is full (kMaxTouched).
  bool InsertTouched(uint64_t h);
  static constexpr uint32_t kMaxTouched = 4096;

  // The key's state as its threshold detectors would see it after every buffered event (the
  // released state run ahead over the buffer, DetectorContext::speculative); null when not kept
  // (empty buffer, or an event arrived out of order and the copy is to be rebuilt). Not
  // persisted: rebuilt from the released state and the buffer.
  std::unique_ptr<KeyState> ahead;

  std::string Encode() const;
  static bool Decode(std::string_view bytes, KeyState* out);
  // Copies the detectors' scratch and the engine's history bounds, not the buffer, the segment
  // bookkeeping or `ahead`: the start of a speculative run.
  void CopyScratchTo(KeyState* out) const;
};

// A detection: rendered into an Alert by the Emitter (which adds ids, catalogue text, entities).
struct Finding {
  std::string type;
  std::string entity_key;  // what "one alert per entity per window" means for this type
  const v1::AccessEvent* event = nullptr;  // the event that completed the detection
  EventTime start, end;                    // first and last evidence
  std::string reasons;                     // plain words: what was unusual vs. what baseline
  std::vector<std::pair<std::string, std::string>> evidence;
};

class Emitter {
 public:
  virtual ~Emitter() = default;
  // True if no alert of `type` for `entity_key` was emitted in the suppression window holding
  // `t` (and records that one is now): call before building the Finding.
  virtual bool Claim(const std::string& type, std::string_view entity_key, EventTime t) = 0;
  virtual void Emit(Finding&& f) = 0;
};

struct DetectorContext {
  const DetectConfig& config;
  const ThreatIntel& intel;
  std::string_view key;  // vault id or caller key
  KeyState& ks;
  const EventFacts& facts;
  const EventDigest& digest;
  Emitter& emitter;
  EventTime now;  // the event's time
  // Early evaluation (Detector::FiresWhenCrossed): `ks` is a scratch copy run ahead over the
  // key's buffered events; the detector must not write the store, only read it and emit.
  bool speculative = false;
  const KeyState* released = nullptr;  // when speculative: the key's state as released so far
  // The key has at least the learning period of history before `now`.
  bool Learned() const {
    return ks.first_us != INT64_MAX &&
           now.micros() - ks.first_us >= config.learning_period.micros();
  }
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual void OnEvent(const v1::AccessEvent& e, DetectorContext& ctx) = 0;
  // A detector that needs no event order (its decision depends on the event alone: threat-intel
  // addresses, sensitive operations) sees every event on arrival, before the reorder buffer, so
  // its alerts do not wait for the watermark (with early alerts off, Engine::SetEarlyAlerts, it
  // runs with the ordered ones instead). It reads no KeyState that ordered detectors write.
  virtual bool DecidesOnArrival() const { return false; }
  // A threshold detector whose alert should go out when the record that crosses the threshold
  // arrives, not when the watermark passes it. Besides its ordered run, the engine runs it ahead
  // (DetectorContext::speculative) over a copy of the key's state and the key's buffered events
  // in canonical order; what it emits there is claimed at once, so the ordered run's identical
  // finding is suppressed. It reads and writes only KeyState scratch, and reads the store.
  virtual bool FiresWhenCrossed() const { return false; }
};

std::vector<std::unique_ptr<Detector>> MakeVaultDetectors(const DetectConfig& config,
                                                          state::StateStore* store);
std::vector<std::unique_ptr<Detector>> MakeCallerDetectors(const DetectConfig& config,
                                                           state::StateStore* store);

// Operation classes used by several detectors.
bool IsRead(v1::Operation op);                        // SecretGet, KeyGet, CertificateGet
bool IsList(v1::Operation op);                        // SecretList, KeyList, CertificateList
bool IsSensitive(v1::Operation op);                   // delete, purge, backup of vaults and objects
bool IsPolicyChange(v1::Operation op);                // VaultPut, VaultPatch
std::string CallerDisplay(const v1::AccessEvent& e);  // upn, else object id, else app id, else ip
// The operation's name as in the record (else the enum's name), without a copy.
std::string_view OperationView(const v1::AccessEvent& e);
// A fast 64-bit hash of a string, 8 bytes at a time (EventDigest's fields).
uint64_t HashString(std::string_view s);
// Stored hashes (KeyState) use vw::Fnv1a64 (base/hash.h), which never changes.
using vw::Fnv1a64;

}  // namespace vw::detect
