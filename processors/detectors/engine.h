// Engine: runs the detectors of one keying (by vault, by caller, or both) over a stream of
// AccessEvents, in event time, and emits Defender-shaped alerts (docs/contracts.md section 3).
//
// Event time: the engine keeps ONE watermark for the whole stream, not one per key. By default
// it is the newest event time seen minus `allowed_lateness` (one input in order: `detect`,
// `replay`); with UseExternalWatermark() the caller sets it (AdvanceWatermark), as the pipeline's
// detector stages do from the watermarks the ingest stage forwards for every raw partition.
// Ordered detectors see each key's events in a canonical order (event time, then a content
// tie-break) once the watermark passes them, whatever key they belong to: a key that goes quiet
// is still evaluated. Events older than the watermark on arrival are late: counted, and not used
// by ordered detectors. Detectors that need no order (Detector::DecidesOnArrival: threat-intel
// addresses, sensitive operations) see every event on arrival, late ones included.
//
// State: every piece of state that affects future output lives in the StateStore: detector
// primitives write there directly; per-key engine state (first sighting, the reorder buffer,
// small per-detector scratch) and the watermark are kept in memory and written into the store by
// PrepareCommit() (and when evicted from the bounded key cache: SetKeyCacheBytes). A fresh Engine
// over a store restored at a CommitPoint, fed the input after it, reproduces the alerts of an
// uninterrupted run.
//
// Ownership: the Engine does not own the StateStore or the ThreatIntel (they must outlive it).
// Thread-safety: none; one Engine per partition task.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "processors/detectors/config.h"
#include "processors/detectors/threat_intel.h"
#include "state/state_store.h"
#include "vw/v1/access_event.pb.h"
#include "vw/v1/alert.pb.h"

namespace vw::detect {

enum class Keying { kByVault, kByCaller, kBoth };

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void OnAlert(const v1::Alert& alert) = 0;
};

struct EngineStats {
  uint64_t events = 0;        // events passed to Process
  uint64_t late_dropped = 0;  // events older than the stream's watermark on arrival
  uint64_t ignored = 0;       // events no detector reads (401 token challenges)
  uint64_t alerts = 0;
  uint64_t suppressed = 0;  // detections folded into an alert already emitted for the window
  std::map<std::string, uint64_t> alerts_by_type;
  // The key cache (Engine::SetKeyCacheBytes): keys in memory now, their approximate bytes, and
  // keys evicted to the store so far.
  uint64_t resident_keys = 0, resident_key_bytes = 0, evicted_keys = 0;
  // Keys whose entries were found under the names of a store written before the digest names,
  // and moved (they are written under the new names at the next commit).
  uint64_t migrated_keys = 0;
};

// Whether an AlertType reads the by-vault or the by-caller stream.
Keying KeyingOf(const std::string& alert_type);

class Engine {
 public:
  // The largest buffered-events segment the engine stores for one key (its reorder buffer is
  // stored in segments): what one changelog record must fit, besides key and framing.
  static constexpr size_t kMaxSegmentBytes = 256 << 10;
  // The default budget of the key cache (SetKeyCacheBytes).
  static constexpr size_t kDefaultKeyCacheBytes = 128 << 20;
  // Loads the threat-intel lists named in `config` (reloaded on the system clock).
  static Result<std::unique_ptr<Engine>> Create(const DetectConfig& config, Keying keying,
                                                state::StateStore* store);
  // With lists owned by the caller (shared by several engines, or built in tests).
  static Result<std::unique_ptr<Engine>> Create(const DetectConfig& config, Keying keying,
                                                state::StateStore* store, ThreatIntel* intel);
  ~Engine();

  // Rewrites an event's identities before the engine keys, buffers or stores it: the
  // pseudonymisation of state (alerts/pseudonymise.h). The engine first records what
  // the threat-intel lists and ranges say of the clear caller IP (AccessEvent.ip_facts), so IP
  // detectors work on pseudonymised events. Set before the first Process; called on its thread.
  using EventTransform = std::function<void(v1::AccessEvent*)>;
  void SetEventTransform(EventTransform transform);

  // Events may arrive out of order within the allowed lateness; later ones are counted, not used.
  void Process(const v1::AccessEvent& event, AlertSink& sink);
  void Process(v1::AccessEvent&& event, AlertSink& sink);
  // The same for a serialised AccessEvent (a keyed-topic record's bytes), decoded straight into
  // one of the engine's pooled events: no intermediate message, and the pooled event's
  // sub-messages and string buffers are reused. Returns false, processing nothing, if `bytes` is
  // not a valid AccessEvent.
  //
  // `input_offset` (>= 0, non-decreasing: the offset of the Kafka record holding the event)
  // lets the engine keep the event out of the store while it is buffered: see PrepareCommit.
  [[nodiscard]] bool ProcessSerialized(std::string_view bytes, AlertSink& sink,
                                       int64_t input_offset = -1);
  // Rebuilds the reorder buffer after a restart from the input instead of the store: feed, in
  // input order, the records from UnstoredFrom() (as the last commit left it, kept by the caller
  // with the commit) up to the committed offset. An event the engine held at that commit is
  // buffered again; one it had released or dropped as late by then is skipped (both are decided
  // by the key's committed state alone). Nothing is detected or counted. False if `bytes` is not
  // a valid AccessEvent.
  [[nodiscard]] bool RefillSerialized(std::string_view bytes, int64_t input_offset);
  // End of input: releases every buffered event (as if the watermark moved to +infinity).
  void Flush(AlertSink& sink);

  // From now on the watermark moves only by AdvanceWatermark, never by the events' own times.
  // Call before the first Process (the pipeline's detector stages: their input interleaves
  // several raw partitions, and only the slowest of them may move event time).
  void UseExternalWatermark();
  // Moves the stream's watermark to `watermark` (never backwards) and runs the ordered detectors
  // over every buffered event older than it, of every key, in canonical order per key.
  void AdvanceWatermark(EventTime watermark, AlertSink& sink);
  // The stream's watermark: events older than it are late. EventTime::Min() before any.
  EventTime watermark() const;
  // Early alerts (on by default): threshold detectors (an excessive-retrieval burst, a
  // list-then-get dump, a mass retrieval) also run ahead of the watermark over each key's
  // buffered events, so their alert goes out when the crossing record arrives; the ordered run's
  // identical finding is then suppressed. Their evidence is that of the events known at that
  // moment: the same as at the watermark unless an older event of the key arrives afterwards.
  // The pipeline turns them off while its raw partitions are far apart in event time (a replay
  // of a preloaded topic), where arrival order says little about event order.
  void SetEarlyAlerts(bool on);
  // Writes the engine's per-key state into the store and sets point->watermark_us (the largest
  // watermark over keys) and the store's expiry horizon. Call before StateStore::Commit.
  //
  // Buffered events are stored too (in segments), except those with an input offset at or after
  // `store_before_offset`: the caller can read those again (RefillSerialized), which costs less
  // than logging each event to a changelog. The default stores every buffered event.
  void PrepareCommit(state::CommitPoint* point, int64_t store_before_offset = INT64_MAX);
  // The budget of the engine's key cache: per-key state (first sighting, detector scratch, the
  // hour's touched set) of at most about this many bytes stays in memory; beyond it the least
  // recently used keys without buffered events are written into the store and dropped from
  // memory (CLOCK), and loaded again when they next see an event, with identical state, so the
  // budget never changes an alert. Keys with buffered events always stay (bounded by the allowed
  // lateness, not by the key count). Default kDefaultKeyCacheBytes; at least 1 MiB. A process
  // running several engines gives each its share of the process budget
  // (state::MemoryBudget::KeyCacheShare). Call at any time; takes effect at the next new key.
  void SetKeyCacheBytes(size_t bytes);
  // The smallest input offset among buffered events the store does not hold; -1 if none.
  int64_t UnstoredFrom() const;
  const EngineStats& stats() const;

  class Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Decodes `bytes` into `*event` with ParseFromArray's result (the same fields, the same presence
// of sub-messages), but keeps the caller and source sub-messages and every string's buffer of
// the message it overwrites, where proto3's Clear() deletes sub-messages. For messages reused
// per event. Returns false if `bytes` is not a valid AccessEvent (`*event` is then unspecified).
[[nodiscard]] bool ParseEventReusing(std::string_view bytes, v1::AccessEvent* event);

// The fields of an AccessEvent no detector reads: subscription_id and resource_group (parts of
// vault_id), operation_version, client_info, request_uri, category and the source position. The
// engine drops them from every event it takes, serialised or not, so buffered events cost less
// memory and changelog, and the detector stages decode ~290 fewer bytes and eight fewer objects
// per event. A detector that comes to need one takes it off
// this list.
//
// StripIgnoredFields copies serialised AccessEvent bytes without those fields, so a decode never
// writes them; false if the bytes are not well-formed protobuf. ClearIgnoredFields clears them in
// a decoded event.
[[nodiscard]] bool StripIgnoredFields(std::string_view bytes, std::string* out);
void ClearIgnoredFields(v1::AccessEvent* event);

// Re-exported from alert.h for the contract's one-include use.
std::string AlertJson(const v1::Alert& alert);

}  // namespace vw::detect
