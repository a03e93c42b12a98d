#include "processors/detectors/engine.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <tuple>

#include "base/check.h"
#include "base/logging.h"
#include "base/pointer_index.h"
#include "processors/detectors/alert.h"
#include "processors/detectors/detector.h"
#include "processors/detectors/reorder_buffer.h"
#include "processors/ingest/ingest.h"
#include "state/distinct_counter.h"
#include "state/first_seen_map.h"
#include "state/key_digest.h"

namespace vw::detect {

using internal::CanonicalLess;
using internal::DecodeSegment;
using internal::EncodeSegment;
using internal::OffsetCounts;

Keying KeyingOf(const std::string& type) {
  static const char* kVault[] = {
      "KV_SuspiciousIPAccess",      "KV_SuspiciousIPAccessDenied", "KV_TORAccess",
      "KV_SensitiveOperation",      "KV_OperationVolumeAnomaly",   "KV_OperationPatternAnomaly",
      "KV_AccessTimeSeriesAnomaly", "KV_AccessPolicyFlip"};
  for (const char* v : kVault) {
    if (type == v) return Keying::kByVault;
  }
  return Keying::kByCaller;
}

class Engine::Impl final : public Emitter {
 public:
  Impl(const DetectConfig& config, Keying keying, state::StateStore* store, ThreatIntel* intel,
       std::unique_ptr<ThreatIntel> owned_intel)
      : config_(config),
        keying_(keying),
        store_(store),
        owned_intel_(std::move(owned_intel)),
        intel_(intel != nullptr ? intel : owned_intel_.get()),
        dedup_(store, "dd", config.suppression_window) {
    if (keying != Keying::kByCaller) vault_.SetDetectors(MakeVaultDetectors(config, store));
    if (keying != Keying::kByVault) caller_.SetDetectors(MakeCallerDetectors(config, store));
    vault_.tag = "v";
    vault_.index = 0;
    caller_.tag = "c";
    caller_.index = 1;
    LoadWatermark();
    for (Side* side : {&vault_, &caller_}) {
      auto any = store_->AnyCommittedWithPrefix(LegacyStateKey(*side, ""));
      VW_CHECK(any.ok()) << "looking for key entries under their old names: " << any.status();
      legacy_names_ = legacy_names_ || *any;
    }
    for (Side* side : {&vault_, &caller_}) {
      // Keys with buffered events (a marker each) are loaded now, so that the release queue
      // holds every buffered event: the watermark releases them whether or not the key is seen
      // again.
      std::vector<std::string> pending;
      const std::string prefix = MarkerKey(*side, "");
      Status st = store_->ForEachCommitted(prefix, [&](std::string_view k, std::string_view) {
        pending.emplace_back(k.substr(prefix.size()));
      });
      VW_CHECK(st.ok()) << "listing the buffered keys: " << st;
      // Stores written by older versions list the keys in one index value.
      const std::string legacy = "e/pidx/" + side->tag;
      if (auto idx = store_->Get(legacy)) {
        std::string_view rest = *idx;
        while (!rest.empty()) {
          size_t nl = rest.find('\n');
          pending.emplace_back(rest.substr(0, nl));
          rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
        store_->Delete(legacy);
      }
      for (const std::string& key : pending) (void)LoadEntry(*side, KeyRef{key, HashString(key)});
    }
  }

  // The stream's watermark and newest event time, as the last commit stored them.
  void LoadWatermark() {
    auto v = store_->Get(kWatermarkKey);
    if (!v) return;
    std::string_view rest = *v;
    const size_t comma = rest.find(',');
    VW_CHECK(comma != std::string_view::npos) << "corrupt engine watermark '" << *v << "'";
    watermark_us_ = std::strtoll(std::string(rest.substr(0, comma)).c_str(), nullptr, 10);
    stream_max_us_ = std::strtoll(std::string(rest.substr(comma + 1)).c_str(), nullptr, 10);
    stored_watermark_ = *v;
  }

  // Takes an event into a pooled AccessEvent. Swapping (rather than moving into a fresh object)
  // hands the caller back a used message whose strings keep their capacity, and released events
  // return to the pool: on steady input no event costs a string allocation or free.
  EventPtr Adopt(v1::AccessEvent&& e) {
    BufferedEvent* slot = pool_.Take();
    slot->event.Swap(&e);
    // The caller's SourcePosition goes back to it, which now holds the slot's old event (and no
    // source): dropped from the slot without a free and an allocation per event.
    if (slot->event.has_source()) e.set_allocated_source(slot->event.release_source());
    ClearIgnoredFields(&slot->event);
    return Admit(slot);
  }
  EventPtr Adopt(const v1::AccessEvent& e) {
    BufferedEvent* slot = pool_.Take();
    slot->event = e;
    ClearIgnoredFields(&slot->event);
    return Admit(slot);
  }
  // Decodes into a pooled slot; a slot whose bytes do not decode goes back to the pool unused.
  // The ignored fields are stripped from the bytes first: a pooled slot's strings are cold (it
  // last held an event buffered minutes of event time ago), and these are never written.
  bool ProcessSerialized(std::string_view bytes, AlertSink& sink, int64_t input_offset) {
    BufferedEvent* slot = pool_.Take();
    if (!StripIgnoredFields(bytes, &stripped_) || !ParseEventReusing(stripped_, &slot->event)) {
      pool_.Return(slot);
      return false;
    }
    Process(Admit(slot), sink, input_offset);
    return true;
  }
  bool RefillSerialized(std::string_view bytes, int64_t input_offset) {
    BufferedEvent* slot = pool_.Take();
    if (!StripIgnoredFields(bytes, &stripped_) || !ParseEventReusing(stripped_, &slot->event)) {
      pool_.Return(slot);
      return false;
    }
    EventPtr e = Admit(slot);
    if (e->event.outcome() == v1::OUTCOME_AUTH_CHALLENGE) return true;  // never buffered
    if (keying_ != Keying::kByCaller) {
      Refill(vault_, KeyRef{e->event.vault_id(), e->digest.vault}, e, input_offset);
    }
    if (keying_ != Keying::kByVault) {
      Refill(caller_, KeyRef{ingest::CallerKeyView(e->event, &key_buf_), e->digest.caller}, e,
             input_offset);
    }
    return true;
  }
  // A filled slot: pseudonymised if configured, described, and counted from now on.
  EventPtr Admit(BufferedEvent* slot) {
    Prepare(&slot->event);
    Describe(slot);
    return EventPtr::Adopt(slot);
  }

  // The event's digest and facts, computed once (both keyings share them) while it is in cache.
  void Describe(BufferedEvent* b) const {
    const v1::AccessEvent& e = b->event;
    EventDigest& d = b->digest;
    std::string buf;
    d.vault = HashString(e.vault_id());
    VaultMemo& vm = vault_memo_[d.vault & (vault_memo_.size() - 1)];
    if (!vm.valid || vm.digest != d.vault) {
      vm = VaultMemo{true, d.vault, Fnv1a64(e.vault_id()),
                     state::DistinctCounter::MemberHash(e.vault_id())};
    }
    d.vault_fnv = vm.fnv;
    d.vault_member = vm.member;
    d.caller = HashString(ingest::CallerKeyView(e, &buf));
    d.op = HashString(OperationView(e));
    d.name = HashString(e.target_name());
    d.app = HashString(e.caller().app_id());
    EventFacts& facts = b->facts;
    facts = EventFacts();
    const std::string& ip = e.caller().ip();
    if (e.has_ip_facts()) {  // looked up before pseudonymisation (Prepare)
      facts.has_ip = !ip.empty();
      facts.tor = e.ip_facts().tor();
      facts.suspicious = e.ip_facts().suspicious();
      facts.microsoft = e.ip_facts().microsoft();
      facts.internal = e.ip_facts().internal();
    } else if (!ip.empty()) {
      facts = IpFactsOf(ip);
    }
  }

  // The four list lookups of an address, memoised per address (callers reuse a few addresses)
  // until the lists are reloaded.
  EventFacts IpFactsOf(const std::string& ip) const {
    IpMemo& m = ip_memo_[HashString(ip) & (ip_memo_.size() - 1)];
    if (m.generation != intel_->reloads() + 1 || m.ip != ip) {
      m.generation = intel_->reloads() + 1;  // 0: never filled
      m.ip = ip;
      m.facts.has_ip = true;
      m.facts.tor = intel_->IsTor(ip);
      m.facts.suspicious = intel_->IsSuspicious(ip);
      m.facts.microsoft = intel_->IsMicrosoft(ip);
      m.facts.internal = intel_->IsInternal(ip);
    }
    return m.facts;
  }

  // Records the clear IP's facts and pseudonymises, when a transform is set (SetEventTransform).
  void Prepare(v1::AccessEvent* e) {
    e->clear_ip_facts();  // what a caller's reused message may still carry
    if (!transform_) return;
    const std::string& ip = e->caller().ip();
    if (!ip.empty()) {
      v1::IpFacts* f = e->mutable_ip_facts();
      f->set_tor(intel_->IsTor(ip));
      f->set_suspicious(intel_->IsSuspicious(ip));
      f->set_microsoft(intel_->IsMicrosoft(ip));
      f->set_internal(intel_->IsInternal(ip));
    }
    transform_(e);
  }
  void SetEventTransform(Engine::EventTransform t) { transform_ = std::move(t); }

  void Process(EventPtr e, AlertSink& sink, int64_t input_offset = -1) {
    sink_ = &sink;
    if (catch_up_ahead_) CatchUpAhead();
    ++stats_.events;
    if ((stats_.events & 4095) == 0 && intel_ != nullptr) intel_->MaybeReload();
    if (e->event.outcome() == v1::OUTCOME_AUTH_CHALLENGE) {
      // The first leg of every token handshake: no identity, never an access. No detector reads it.
      ++stats_.ignored;
      return;
    }
    bool late = false;
    // Keys as views into the event (no string built per event); ingest::VaultKey / CallerKey
    // define them, ingest::CallerKeyView matches CallerKey.
    if (keying_ != Keying::kByCaller) {
      late |= !Offer(vault_, KeyRef{e->event.vault_id(), e->digest.vault}, e, input_offset);
    }
    if (keying_ != Keying::kByVault) {
      late |= !Offer(caller_, KeyRef{ingest::CallerKeyView(e->event, &key_buf_), e->digest.caller},
                     e, input_offset);
    }
    if (late) ++stats_.late_dropped;
    if (!external_watermark_) {
      stream_max_us_ = std::max(stream_max_us_, e->event.time_us());
      AdvanceTo(stream_max_us_ - config_.allowed_lateness.micros());
    }
  }

  void UseExternalWatermark() { external_watermark_ = true; }
  void SetEarlyAlerts(bool on) {
    if (on == early_alerts_) return;
    early_alerts_ = on;
    catch_up_ahead_ = on;  // events buffered while off: run ahead at the next chance
    if (on) return;
    for (Side* side : {&vault_, &caller_}) {
      for (KeyEntry* entry : side->ring) entry->second.ahead.reset();
    }
  }
  // Starts the run ahead of every key with buffered events (after early alerts were turned on).
  void CatchUpAhead() {
    catch_up_ahead_ = false;
    const std::vector<QueueEntry> keys = queue_;  // StartAhead leaves the queue as it is
    for (const QueueEntry& q : keys) {
      Side& side = q.side == 0 ? vault_ : caller_;
      KeyState& ks = q.entry->second;
      if (!side.ahead.empty() && ks.ahead == nullptr && !ks.pending.empty()) {
        StartAhead(side, *q.entry);
      }
    }
  }
  void AdvanceWatermark(EventTime wm, AlertSink& sink) {
    sink_ = &sink;
    AdvanceTo(wm.micros());
    if (catch_up_ahead_) CatchUpAhead();
  }
  EventTime watermark() const { return EventTime::FromMicros(watermark_us_); }

  // Releases everything without moving the watermark: input after a flush is judged late
  // against each key's released events and the watermark as before.
  void Flush(AlertSink& sink) {
    sink_ = &sink;
    ReleaseBefore(INT64_MAX);
  }

  void PrepareCommit(state::CommitPoint* point, int64_t store_before) {
    // Visits the keys changed since the last commit, and those holding events not stored yet
    // (which may not have changed): never every resident key.
    const int64_t oldest = unstored_offsets_.Min();
    const bool sweep = oldest >= 0 && oldest < store_before;
    for (Side* side : {&vault_, &caller_}) {
      std::vector<KeyEntry*> listed = std::move(side->to_commit);
      side->to_commit.clear();
      for (KeyEntry* entry : listed) {
        if (entry == nullptr) continue;  // evicted since (and persisted then)
        KeyState& ks = entry->second;
        ks.listed = false;
        if (ks.dirty || (sweep && ks.unstored > 0)) PersistKey(*side, *entry, store_before);
        if (ks.unstored > 0) List(*side, *entry);
      }
    }
    if (std::string v = std::to_string(watermark_us_) + "," + std::to_string(stream_max_us_);
        v != stored_watermark_) {
      store_->Put(kWatermarkKey, v);
      stored_watermark_ = std::move(v);
    }
    if (watermark_us_ != INT64_MIN) {
      if (point != nullptr) point->watermark_us = std::max(point->watermark_us, watermark_us_);
      EventTime horizon = EventTime::FromMicros(watermark_us_) - config_.state_retention;
      if (horizon > last_horizon_) {
        store_->ExpireBefore(horizon);
        last_horizon_ = horizon;
      }
    }
  }

  void SetKeyCacheBytes(size_t bytes) {
    key_cache_bytes_ = evict_at_ = std::max<size_t>(bytes, 1 << 20);
  }
  const EngineStats& stats() const {
    stats_.resident_keys = vault_.ring.size() + caller_.ring.size();
    stats_.resident_key_bytes = resident_bytes_;
    stats_.evicted_keys = evictions_;
    stats_.migrated_keys = keys_migrated_;
    return stats_;
  }
  int64_t UnstoredFrom() const { return unstored_offsets_.Min(); }

  // --- Emitter ---
  bool Claim(const std::string& type, std::string_view entity_key, EventTime t) override {
    if (!config_.IsEnabled(type)) return false;
    int64_t window = t.FloorTo(config_.suppression_window).micros();
    std::string k = type;
    k.push_back('|');
    k.append(entity_key);
    k.push_back('|');
    k.append(std::to_string(window));
    if (!dedup_.Touch(k, t).is_new) {
      ++stats_.suppressed;
      return false;
    }
    return true;
  }

  void Emit(Finding&& f) override {
    const AlertSpec& spec = SpecFor(f.type);
    const v1::AccessEvent& e = *f.event;
    int64_t window = f.end.FloorTo(config_.suppression_window).micros();
    v1::Alert a;
    a.set_system_alert_id(MakeAlertId(f.type, f.entity_key, window));
    a.set_alert_type(f.type);
    a.set_display_name(std::string(spec.display_name));
    a.set_description(std::string(spec.description));
    a.set_severity(spec.severity);
    for (std::string_view i : spec.intents) a.add_intent(std::string(i));
    a.set_start_time_us(f.start.micros());
    a.set_end_time_us(f.end.micros());
    a.set_generated_time_us(f.end.micros());
    a.set_azure_resource_id(e.vault_id());
    a.set_compromised_entity(e.vault_name());
    v1::AlertEntity* res = a.add_entities();
    res->set_type("azure-resource");
    res->set_resource_id(e.vault_id());
    const v1::Caller& c = e.caller();
    if (!c.object_id().empty() || !c.upn().empty() || !c.app_id().empty()) {
      v1::AlertEntity* acc = a.add_entities();
      acc->set_type("account");
      acc->set_aad_user_id(c.object_id());
      acc->set_upn(c.upn());
      acc->set_app_id(c.app_id());
    }
    if (!c.ip_text().empty()) {
      v1::AlertEntity* ip = a.add_entities();
      ip->set_type("ip");
      ip->set_address(c.ip_text());
    }
    auto& props = *a.mutable_extended_properties();
    props["Alert Reasons"] = f.reasons;
    for (auto& [k, v] : f.evidence) props[k] = std::move(v);
    for (std::string_view r : spec.remediation) a.add_remediation_steps(std::string(r));
    ++stats_.alerts;
    ++stats_.alerts_by_type[f.type];
    sink_->OnAlert(a);
  }

 private:
  // Charged per resident key besides its strings and vectors: the entry (the key's string and its
  // KeyState) with its allocation, its index slots, and its slots in the CLOCK ring and the memo.
  static constexpr size_t kKeyOverheadBytes = sizeof(std::pair<const std::string, KeyState>) + 48;
  static constexpr size_t kMaxRunAheadEvents = 4096;
  static constexpr size_t kMaxPooledEvents = 1 << 16;

  // A key with its hash: the event's digest already holds it (EventDigest::vault, ::caller), so
  // a lookup hashes nothing. Keys are built as strings only when new.
  struct KeyRef {
    std::string_view key;
    uint64_t hash;
  };
  struct KeyMemo {
    uint64_t hash = 0;
    std::pair<const std::string, KeyState>* entry = nullptr;
  };
  struct Side {
    std::string tag;
    int index = 0;                    // 0 vault, 1 caller: the release queue's order of sides
    std::array<KeyMemo, 256> memo{};  // see LoadEntry
    std::vector<std::unique_ptr<Detector>> detectors;
    std::vector<Detector*> all;                  // detectors, in catalogue order
    std::vector<Detector*> on_arrival, ordered;  // ... by when they see an event (early alerts)
    std::vector<Detector*> ahead;                // also run ahead (Detector::FiresWhenCrossed)
    // The resident keys (the key cache): each entry allocated on its own (LoadEntry), so that
    // pointers to it stay valid until Evict frees it, and found by HashString of its key, the
    // digest's hash (KeyRef).
    PointerIndex<std::pair<const std::string, KeyState>> resident;
    // The key cache's CLOCK ring over the resident keys (unordered: an evicted key's slot takes
    // the last); it owns them.
    std::vector<std::pair<const std::string, KeyState>*> ring;
    size_t hand = 0;
    // Keys the next PrepareCommit visits (KeyState::listed); null where one was evicted.
    std::vector<std::pair<const std::string, KeyState>*> to_commit;
    Side() = default;
    Side(const Side&) = delete;
    Side& operator=(const Side&) = delete;
    ~Side() {
      for (auto* entry : ring) delete entry;
    }
    void SetDetectors(std::vector<std::unique_ptr<Detector>> d) {
      detectors = std::move(d);
      for (auto& x : detectors) {
        all.push_back(x.get());
        (x->DecidesOnArrival() ? on_arrival : ordered).push_back(x.get());
        if (x->FiresWhenCrossed()) ahead.push_back(x.get());
      }
    }
  };
  using KeyEntry = std::pair<const std::string, KeyState>;
  // A key in the release queue (a binary heap, oldest first): the time of its oldest buffered
  // event when queued, its side and its entry in Side::resident. Entries are not removed when a
  // key's oldest event changes: a new one is pushed, and the old one, stale (t !=
  // KeyState::queued_us), is skipped when it comes out. A key is never erased while entries point
  // to it (KeyState::queue_refs).
  struct QueueEntry {
    int64_t t;
    int side;
    KeyEntry* entry;
  };
  // The heap's order: later entries sink. Ties in time go by side, then key, so that keys are
  // released in an order that depends on the input alone.
  struct QueueLater {
    bool operator()(const QueueEntry& a, const QueueEntry& b) const {
      if (a.t != b.t) return a.t > b.t;
      if (a.side != b.side) return a.side > b.side;
      return a.entry->first > b.entry->first;
    }
  };
  static constexpr std::string_view kWatermarkKey = "e/wm";
  static constexpr char kDigestMark = '\x01';

  // The stored names of a key's entries. Its state and its reorder-buffer segments are named by
  // the key's digest (state/key_digest.h), ~20 bytes, where the ids themselves (a ~110-byte vault
  // resource id, a caller) would be most of each entry's bytes in the memtables, the SST blocks,
  // the block cache and the changelog: "e/k/<tag>\x01<digest>" and "e/s/<tag>\x01<digest><the
  // segment number, 8 bytes big-endian>". The marker keeps the key itself, because the engine
  // lists the markers to find its buffered keys when it opens (the constructor).
  static std::string DigestKey(std::string_view family, const Side& side, std::string_view key) {
    std::string k;
    k.reserve(family.size() + side.tag.size() + 1 + state::kKeyDigestBytes + 8);
    k.append(family).append(side.tag).push_back(kDigestMark);
    state::AppendKeyDigest(&k, key);
    return k;
  }
  static std::string StateKey(const Side& side, std::string_view key) {
    return DigestKey("e/k/", side, key);
  }
  static std::string SegmentKey(const Side& side, std::string_view key, uint64_t segment) {
    std::string k = DigestKey("e/s/", side, key);
    for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>(segment >> shift));
    return k;
  }
  // Present while the key has buffered events (listed at start-up for Flush).
  static std::string MarkerKey(const Side& side, std::string_view key) {
    std::string k = "e/b/" + side.tag + "/";
    k.append(key);
    return k;
  }
  // The names of stores written before the digests: "e/k/<tag>/<key>" and
  // "e/s/<tag>/<key>\0<segment in decimal>" ('/' where the digest names have kDigestMark, so the
  // two never meet). LoadEntry reads a key's entries under them when it finds none under the
  // digest names, and moves them (LoadSegments): keys are migrated as they are seen, with no
  // start-up rewrite of millions of keys and no giant changelog transaction; a key never seen
  // again expires under its old name.
  static std::string LegacyStateKey(const Side& side, std::string_view key) {
    std::string k = "e/k/" + side.tag + "/";
    k.append(key);
    return k;
  }
  static std::string LegacySegmentKey(const Side& side, std::string_view key, uint64_t segment) {
    std::string k = "e/s/" + side.tag + "/";
    k.append(key).push_back('\0');  // keys hold no NUL: "k" + 1 and "k\0..." + 1 stay apart
    k.append(std::to_string(segment));
    return k;
  }

  // Stores the buffered events that are in no segment yet, and were read before input offset
  // `store_before`, as new segments.
  void StoreSegments(const Side& side, const std::string& key, KeyState& ks, EventTime expires,
                     int64_t store_before) {
    std::vector<const v1::AccessEvent*> events;
    std::vector<PendingEvent*> members;
    size_t bytes = 0;
    auto store = [&] {
      const uint64_t id = ks.segment_next++;
      store_->Put(SegmentKey(side, key, id), EncodeSegment(events), expires);
      for (PendingEvent* p : members) {
        p->segment = id;
        if (p->input_offset >= 0) unstored_offsets_.Remove(p->input_offset);
      }
      ks.segments.emplace_back(id, static_cast<uint32_t>(members.size()));
      ks.unstored -= static_cast<uint32_t>(members.size());
      events.clear();
      members.clear();
      bytes = 0;
    };
    for (PendingEvent& p : ks.pending) {
      if (p.segment != 0 || p.input_offset >= store_before) continue;
      const size_t size = p.event->event.ByteSizeLong();
      if (!events.empty() && bytes + size > KeyState::kMaxSegmentBytes) store();
      events.push_back(&p.event->event);
      members.push_back(&p);
      bytes += size + 4;
    }
    if (!events.empty()) store();
  }

  // One buffered event of `segment` was released; the segment goes once none is left.
  void SegmentReleased(const Side& side, const std::string& key, KeyState& ks, uint64_t segment) {
    auto it = std::lower_bound(ks.segments.begin(), ks.segments.end(),
                               std::make_pair(segment, uint32_t{0}));
    VW_CHECK(it != ks.segments.end() && it->first == segment)
        << "released event of unknown segment " << segment;
    if (--it->second == 0) {
      store_->Delete(SegmentKey(side, key, segment));
      ks.segments.erase(it);
    }
  }

  // The stored reorder buffer of a key just decoded (KeyState version 5 and later): the segments'
  // events not yet released, in canonical order. From the old names (`legacy`) they are taken as
  // not stored, and the old entries deleted, so that the next commit writes them under the digest
  // names in the same batch as those deletes.
  void LoadSegments(Side& side, KeyEntry& entry, KeyState& ks, bool legacy) {
    const std::string& key = entry.first;
    std::vector<EventPtr> events;
    for (uint64_t id = ks.segment_lo; id < ks.segment_next; ++id) {
      const std::string skey = legacy ? LegacySegmentKey(side, key, id) : SegmentKey(side, key, id);
      auto v = store_->GetView(skey);
      if (!v) continue;  // all of its events were released
      events.clear();
      VW_CHECK(DecodeSegment(*v, &events)) << "corrupt reorder-buffer segment of '" << key << "'";
      uint32_t live = 0;
      for (EventPtr& e : events) {
        if (e->event.time_us() <= ks.released_through_us) continue;
        ks.pending.push_back(PendingEvent{std::move(e), legacy ? 0 : id, -1});
        ++live;
      }
      if (live > 0 && !legacy) {
        ks.segments.emplace_back(id, live);
      } else {
        ks.unstored += live;
        store_->Delete(skey);  // moved, or (not expected) a segment left with no event
      }
    }
    std::stable_sort(ks.pending.begin(), ks.pending.end(),
                     [](const PendingEvent& a, const PendingEvent& b) {
                       return CanonicalLess(a.event->event, b.event->event);
                     });
    if (legacy) {
      store_->Delete(LegacyStateKey(side, key));
      ++keys_migrated_;
    }
    // A version 3/4 value's buffer came embedded, with no marker: both are written at the next
    // commit (and so is a moved key's state and buffer).
    ks.marked = ks.unstored == 0 && !ks.pending.empty();
    if (ks.unstored > 0 || legacy) MarkDirty(side, entry);
  }

  // The key's entry (stable until Evict frees it), loaded if absent.
  std::pair<const std::string, KeyState>& LoadEntry(Side& side, const KeyRef& ref) {
    const std::string_view key = ref.key;
    // A direct-mapped memo in front of the map: a hit skips the bucket walk (a division and
    // two or three dependent loads).
    KeyMemo& memo = side.memo[ref.hash & (side.memo.size() - 1)];
    if (memo.entry != nullptr && memo.hash == ref.hash && memo.entry->first == key) {
      memo.entry->second.referenced = true;
      return *memo.entry;
    }
    if (KeyEntry* found =
            side.resident.Find(ref.hash, [key](const KeyEntry& e) { return e.first == key; })) {
      memo = KeyMemo{ref.hash, found};
      found->second.referenced = true;
      Charge(*found);
      return *found;
    }
    // A new resident key: room first (no entry in use is evicted: callers hold none here).
    if (resident_bytes_ > evict_at_) EvictDown();
    auto* created =
        new KeyEntry(std::piecewise_construct, std::forward_as_tuple(key), std::forward_as_tuple());
    side.resident.Insert(ref.hash, created);
    KeyEntry& entry = *created;
    memo = KeyMemo{ref.hash, &entry};
    KeyState& ks = entry.second;
    ks.ring_slot = static_cast<uint32_t>(side.ring.size());
    side.ring.push_back(&entry);
    std::optional<std::string> v = store_->Get(StateKey(side, key));
    const bool legacy = !v && legacy_names_;
    if (legacy) v = store_->Get(LegacyStateKey(side, key));
    if (v) {
      if (!KeyState::Decode(*v, &ks)) {
        // Written by this code and committed atomically: a mismatch is a bug or a corrupt store.
        VW_CHECK(false) << "corrupt engine key state for '" << key << "'";
      }
      LoadSegments(side, entry, ks, legacy);
      for (PendingEvent& p : ks.pending) Describe(p.event.mutable_get());
      Requeue(side, entry);
    }
    Charge(entry);
    return entry;
  }

  // --- the key cache: resident keys within key_cache_bytes_, the others in the store ---

  // What a resident key costs in memory (approximately: allocator rounding aside). Its buffered
  // events are not counted: they are bounded by the allowed lateness, not by the key count, and
  // pooled (EventPool).
  static size_t KeyBytes(const KeyEntry& entry) {
    const KeyState& ks = entry.second;
    auto heap = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
    size_t n = kKeyOverheadBytes + heap(entry.first) + heap(ks.list_vault) +
               ks.list_names.capacity() * sizeof(uint64_t) +
               ks.recent_reads.capacity() * sizeof(ks.recent_reads[0]) +
               ks.mass.capacity() * sizeof(KeyState::OpDay) +
               ks.touched.capacity() * sizeof(uint64_t) +
               ks.segments.capacity() * sizeof(ks.segments[0]) +
               ks.pending.capacity() * sizeof(PendingEvent);
    if (ks.ahead != nullptr) n += sizeof(KeyState) + ks.ahead->touched.capacity() * 8;
    return n;
  }
  void Charge(KeyEntry& entry) {
    KeyState& ks = entry.second;
    const size_t now = KeyBytes(entry);
    resident_bytes_ += now;
    resident_bytes_ -= ks.cache_bytes;
    ks.cache_bytes = static_cast<uint32_t>(std::min<size_t>(now, UINT32_MAX));
  }
  void List(Side& side, KeyEntry& entry) {
    KeyState& ks = entry.second;
    if (ks.listed) return;
    ks.listed = true;
    ks.commit_slot = static_cast<uint32_t>(side.to_commit.size());
    side.to_commit.push_back(&entry);
  }
  void MarkDirty(Side& side, KeyEntry& entry) {
    entry.second.dirty = true;
    List(side, entry);
  }

  // Writes the key's state (and its buffered events read before `store_before` not stored yet,
  // and its marker) into the store.
  void PersistKey(const Side& side, KeyEntry& entry, int64_t store_before) {
    const std::string& key = entry.first;
    KeyState& ks = entry.second;
    // Expires with the longest baseline after the key's last activity.
    const EventTime expires = EventTime::FromMicros(ks.max_seen_us) + config_.state_retention;
    if (ks.unstored > 0) StoreSegments(side, key, ks, expires, store_before);
    if (ks.marked != !ks.pending.empty()) {
      ks.marked = !ks.pending.empty();
      if (ks.marked) {
        store_->Put(MarkerKey(side, key), "");
      } else {
        store_->Delete(MarkerKey(side, key));
      }
    }
    store_->Put(StateKey(side, key), ks.Encode(), expires);
    ks.dirty = false;
    ks.pending.ShrinkIfEmpty();
    Charge(entry);
  }

  // Evicts keys (CLOCK: one used since the hand last passed gets a second chance) until the
  // resident ones fit in 7/8 of the budget, so that evictions come in batches. Keys with
  // buffered events stay (the release queue points to them). An evicted key is written into the
  // store first if it changed; loading it again decodes the same state (KeyState::Encode).
  void EvictDown() {
    const size_t target = key_cache_bytes_ - key_cache_bytes_ / 8;
    // Bounded: each side's ring passed twice at most (every key then had its second chance).
    size_t budget = 2 * (vault_.ring.size() + caller_.ring.size()) + 2;
    int turn = 0;
    while (resident_bytes_ > target && budget-- > 0) {
      Side& side = (turn++ & 1) == 0 ? (vault_.ring.empty() ? caller_ : vault_)
                                     : (caller_.ring.empty() ? vault_ : caller_);
      if (side.ring.empty()) return;
      if (side.hand >= side.ring.size()) side.hand = 0;
      KeyEntry& entry = *side.ring[side.hand];
      KeyState& ks = entry.second;
      if (ks.referenced || !ks.pending.empty() || ks.queue_refs != 0) {
        ks.referenced = false;
        ++side.hand;
        continue;
      }
      Evict(side, entry);
      ++evictions_;
    }
    // Short of the target (most keys hold buffered events): the next try waits until the keys
    // have grown by 1/16 of the budget, so that a full cache is not scanned for every new key.
    evict_at_ =
        resident_bytes_ > target ? resident_bytes_ + key_cache_bytes_ / 16 : key_cache_bytes_;
  }
  void Evict(Side& side, KeyEntry& entry) {
    KeyState& ks = entry.second;
    if (ks.dirty || ks.marked) PersistKey(side, entry, INT64_MAX);
    if (ks.listed) side.to_commit[ks.commit_slot] = nullptr;
    const uint64_t hash = HashString(entry.first);
    KeyMemo& memo = side.memo[hash & (side.memo.size() - 1)];
    if (memo.entry == &entry) memo = KeyMemo{};
    const uint32_t slot = ks.ring_slot;
    side.ring[slot] = side.ring.back();
    side.ring[slot]->second.ring_slot = slot;
    side.ring.pop_back();
    resident_bytes_ -= ks.cache_bytes;
    side.resident.Erase(hash, &entry);
    delete &entry;
  }

  // Whether an event at time `t` is late for the key: ordered detectors would not see it.
  bool IsLate(const KeyState& ks, int64_t t) const {
    // At or before a released event of the key is late too: it only happens after a Flush
    // (which releases everything), and it keeps "stored and at or before released_through_us"
    // meaning released.
    return t < watermark_us_ || t <= ks.released_through_us;
  }

  // Runs the detectors that decide on arrival, then buffers `e` for its key; false if it is late
  // (not buffered).
  bool Offer(Side& side, const KeyRef& key_ref, const EventPtr& e, int64_t input_offset) {
    auto& entry = LoadEntry(side, key_ref);
    KeyState& ks = entry.second;
    const v1::AccessEvent& ev = e->event;
    const bool decide = early_alerts_ && !side.on_arrival.empty();
    if (decide) {
      DetectorContext ctx{config_,  *intel_,   entry.first, ks,
                          e->facts, e->digest, *this,       EventTime::FromMicros(ev.time_us())};
      for (Detector* d : side.on_arrival) d->OnEvent(ev, ctx);
    }
    if (IsLate(ks, ev.time_us())) return false;
    Buffer(side, entry, e, input_offset, decide);
    ks.max_seen_us = std::max(ks.max_seen_us, ev.time_us());
    return true;
  }

  // RefillSerialized for one keying. The key's state is as committed (the refill comes before any
  // new input), so `e` was buffered at the commit exactly if it is not late now: a buffered event
  // is at or after the key's watermark, and an event released or dropped before the commit is
  // before the watermark it had then, which the commit's is not below.
  void Refill(Side& side, const KeyRef& key_ref, const EventPtr& e, int64_t input_offset) {
    auto& entry = LoadEntry(side, key_ref);
    KeyState& ks = entry.second;
    if (IsLate(ks, e->event.time_us())) return;
    // The key had buffered events at the commit, so the store holds its marker.
    if (ks.pending.empty()) ks.marked = true;
    // Not run ahead now (what that emitted before the restart is committed): the next event of
    // the key starts the run over the whole buffer.
    refilling_ = true;
    Buffer(side, entry, e, input_offset);
    refilling_ = false;
  }

  // Inserts `e` into the key's reorder buffer, in canonical order, as not stored yet.
  void Buffer(Side& side, KeyEntry& entry, const EventPtr& e, int64_t input_offset,
              bool decided = false) {
    KeyState& ks = entry.second;
    MarkDirty(side, entry);
    ++ks.unstored;
    if (input_offset >= 0) unstored_offsets_.Add(input_offset);
    if (ks.pending.empty() || !CanonicalLess(e->event, ks.pending.back().event->event)) {
      ks.pending.push_back(PendingEvent{e, 0, input_offset, decided});
      if (ks.ahead != nullptr && !refilling_) RunAhead(side, entry, ks.pending.back());
    } else {
      ks.ahead.reset();  // out of order: the run ahead is redone over the buffer below
      auto pos = std::upper_bound(ks.pending.begin(), ks.pending.end(), e,
                                  [](const EventPtr& a, const PendingEvent& b) {
                                    return CanonicalLess(a->event, b.event->event);
                                  });
      ks.pending.insert(pos, PendingEvent{e, 0, input_offset, decided});
    }
    if (ks.ahead == nullptr && !refilling_) StartAhead(side, entry);
    Requeue(side, entry);
  }

  // Early alerts (Detector::FiresWhenCrossed): the key's threshold detectors run ahead over its
  // buffered events, in canonical order, on a copy of its released state. While events arrive in
  // order each one costs one more step; one out of order restarts the run from the released
  // state (bounded by kMaxRunAheadEvents; beyond it the key waits for the watermark).
  void StartAhead(Side& side, KeyEntry& entry) {
    KeyState& ks = entry.second;
    if (side.ahead.empty() || !early_alerts_ || ks.pending.size() > kMaxRunAheadEvents) return;
    ks.ahead = std::make_unique<KeyState>();
    ks.CopyScratchTo(ks.ahead.get());
    for (PendingEvent& p : ks.pending) RunAhead(side, entry, p);
  }
  void RunAhead(Side& side, KeyEntry& entry, const PendingEvent& p) {
    KeyState& ks = entry.second;
    KeyState& ahead = *ks.ahead;
    const v1::AccessEvent& e = p.event->event;
    if (ahead.first_us == INT64_MAX) ahead.first_us = e.time_us();
    ahead.last_us = e.time_us();
    DetectorContext ctx{
        config_,        *intel_,         entry.first, ahead,
        p.event->facts, p.event->digest, *this,       EventTime::FromMicros(e.time_us())};
    ctx.speculative = true;
    ctx.released = &ks;
    for (Detector* d : side.ahead) d->OnEvent(e, ctx);
  }

  // Keeps the key's place in the release queue at its oldest buffered event.
  void Requeue(const Side& side, KeyEntry& entry) {
    KeyState& ks = entry.second;
    const int64_t front =
        ks.pending.empty() ? INT64_MAX : ks.pending.front().event->event.time_us();
    if (front == ks.queued_us) return;
    if (front != INT64_MAX) {
      queue_.push_back(QueueEntry{front, side.index, &entry});
      std::push_heap(queue_.begin(), queue_.end(), QueueLater());
      ++ks.queue_refs;
    }
    ks.queued_us = front;
  }

  // Moves the watermark to `wm` and releases, key by key in queue order (oldest buffered event,
  // then side and key: a deterministic order), every buffered event older than it.
  void AdvanceTo(int64_t wm) {
    if (wm <= watermark_us_) return;
    watermark_us_ = wm;
    ReleaseBefore(wm);
  }
  void ReleaseBefore(int64_t wm) {
    while (!queue_.empty() && queue_.front().t < wm) {
      std::pop_heap(queue_.begin(), queue_.end(), QueueLater());
      const QueueEntry q = queue_.back();
      queue_.pop_back();
      KeyState& ks = q.entry->second;
      --ks.queue_refs;
      if (q.t != ks.queued_us) continue;  // stale: the key was queued again since
      Release(q.side == 0 ? vault_ : caller_, *q.entry, wm);
    }
  }

  // Runs the detectors over buffered events with time < watermark, in canonical order.
  void Release(Side& side, KeyEntry& entry, int64_t watermark) {
    const std::string& key = entry.first;
    KeyState& ks = entry.second;
    if (ks.pending.empty() || ks.pending.front().event->event.time_us() >= watermark) return;
    while (!ks.pending.empty() && ks.pending.front().event->event.time_us() < watermark) {
      EventPtr b = std::move(ks.pending.front().event);
      const uint64_t segment = ks.pending.front().segment;
      const int64_t input_offset = ks.pending.front().input_offset;
      const bool decided = ks.pending.front().decided;
      ks.pending.pop_front();
      if (segment != 0) {
        SegmentReleased(side, key, ks, segment);
      } else {
        --ks.unstored;
        if (input_offset >= 0) unstored_offsets_.Remove(input_offset);
      }
      const v1::AccessEvent& e = b->event;
      if (ks.first_us == INT64_MAX) ks.first_us = e.time_us();
      ks.last_us = e.time_us();
      ks.released_through_us = std::max(ks.released_through_us, e.time_us());
      MarkDirty(side, entry);
      DetectorContext ctx{config_,  *intel_,   key,   ks,
                          b->facts, b->digest, *this, EventTime::FromMicros(e.time_us())};
      for (Detector* d : decided ? side.ordered : side.all) d->OnEvent(e, ctx);
    }
    if (ks.pending.empty()) ks.ahead.reset();  // caught up: the next run starts from here
    Requeue(side, entry);
  }

  // Declared first: destroyed last, after every EventPtr (pending events) returns to it.
  EventPool pool_{kMaxPooledEvents};
  DetectConfig config_;
  Keying keying_;
  state::StateStore* store_;
  std::unique_ptr<ThreatIntel> owned_intel_;
  ThreatIntel* intel_;
  Engine::EventTransform transform_;
  state::FirstSeenMap dedup_;
  Side vault_, caller_;
  // Keys with buffered events by their oldest one: what a watermark advance releases.
  std::vector<QueueEntry> queue_;
  int64_t watermark_us_ = INT64_MIN;   // events older than this are late
  int64_t stream_max_us_ = INT64_MIN;  // newest event time seen (the internal watermark's base)
  bool external_watermark_ = false;    // UseExternalWatermark
  bool early_alerts_ = true;           // SetEarlyAlerts
  bool refilling_ = false;             // inside Refill: no run ahead
  bool catch_up_ahead_ = false;        // early alerts turned on: run ahead what is buffered
  std::string stored_watermark_;       // kWatermarkKey's value as last written
  OffsetCounts unstored_offsets_;      // of the buffered events in no segment, both sides
  mutable EngineStats stats_;
  AlertSink* sink_ = nullptr;
  EventTime last_horizon_ = EventTime::Min();
  size_t key_cache_bytes_ = Engine::kDefaultKeyCacheBytes;  // SetKeyCacheBytes
  size_t evict_at_ = Engine::kDefaultKeyCacheBytes;         // resident_bytes_ that starts EvictDown
  size_t resident_bytes_ = 0;                               // KeyBytes summed over resident keys
  uint64_t evictions_ = 0;
  uint64_t keys_migrated_ = 0;
  bool legacy_names_ = false;  // the store may hold key entries under LegacyStateKey names
  std::string key_buf_;        // ingest::CallerKeyView's buffer
  std::string stripped_;       // StripIgnoredFields' output, decoded at once
  struct IpMemo {
    uint64_t generation = 0;  // ThreatIntel::reloads() + 1 when filled
    std::string ip;
    EventFacts facts;
  };
  mutable std::array<IpMemo, 1024> ip_memo_;
  // The vault id's stored hashes by its digest (EventDigest::vault_fnv, ::vault_member).
  struct VaultMemo {
    bool valid = false;
    uint64_t digest = 0, fnv = 0, member = 0;
  };
  mutable std::array<VaultMemo, 4096> vault_memo_;
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Create(const DetectConfig& config, Keying keying,
                                               state::StateStore* store) {
  VW_ASSIGN_OR_RETURN(std::unique_ptr<ThreatIntel> intel,
                      ThreatIntel::Load(config, SystemClock::Default()));
  if (store == nullptr) return Status::InvalidArgument("Engine::Create: no StateStore");
  return std::unique_ptr<Engine>(
      new Engine(std::make_unique<Impl>(config, keying, store, nullptr, std::move(intel))));
}

Result<std::unique_ptr<Engine>> Engine::Create(const DetectConfig& config, Keying keying,
                                               state::StateStore* store, ThreatIntel* intel) {
  if (store == nullptr) return Status::InvalidArgument("Engine::Create: no StateStore");
  if (intel == nullptr) return Status::InvalidArgument("Engine::Create: no ThreatIntel");
  return std::unique_ptr<Engine>(
      new Engine(std::make_unique<Impl>(config, keying, store, intel, nullptr)));
}

void Engine::Process(const v1::AccessEvent& event, AlertSink& sink) {
  impl_->Process(impl_->Adopt(event), sink);
}
void Engine::Process(v1::AccessEvent&& event, AlertSink& sink) {
  impl_->Process(impl_->Adopt(std::move(event)), sink);
}
bool Engine::ProcessSerialized(std::string_view bytes, AlertSink& sink, int64_t input_offset) {
  return impl_->ProcessSerialized(bytes, sink, input_offset);
}
bool Engine::RefillSerialized(std::string_view bytes, int64_t input_offset) {
  return impl_->RefillSerialized(bytes, input_offset);
}
void Engine::SetEventTransform(EventTransform transform) {
  impl_->SetEventTransform(std::move(transform));
}
void Engine::Flush(AlertSink& sink) { impl_->Flush(sink); }
void Engine::UseExternalWatermark() { impl_->UseExternalWatermark(); }
void Engine::AdvanceWatermark(EventTime watermark, AlertSink& sink) {
  impl_->AdvanceWatermark(watermark, sink);
}
EventTime Engine::watermark() const { return impl_->watermark(); }
void Engine::SetEarlyAlerts(bool on) { impl_->SetEarlyAlerts(on); }
void Engine::PrepareCommit(state::CommitPoint* point, int64_t store_before_offset) {
  impl_->PrepareCommit(point, store_before_offset);
}
int64_t Engine::UnstoredFrom() const { return impl_->UnstoredFrom(); }
void Engine::SetKeyCacheBytes(size_t bytes) { impl_->SetKeyCacheBytes(bytes); }
const EngineStats& Engine::stats() const { return impl_->stats(); }

}  // namespace vw::detect
