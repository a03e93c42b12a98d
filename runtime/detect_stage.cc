#include "runtime/detect_stage.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "base/clock.h"
#include "base/logging.h"
#include "kafka/consumer.h"
#include "processors/detectors/alert_formats.h"
#include "processors/detectors/engine.h"
#include "runtime/changelog_restore.h"
#include "runtime/control.h"
#include "runtime/feedback_tracker.h"
#include "runtime/privacy.h"
#include "state/memory_budget.h"
#include "state/recovery.h"
#include "state/state_store.h"

namespace vw::runtime {

class DetectShared {
 public:
  Privacy privacy;
  std::unique_ptr<FeedbackTracker> tracker;                           // set by StartDetectShared
  detect::AlertFormat alert_format = detect::AlertFormat::kDefender;  // config alert_format
  // The process's state budget (engine.memory_budget_mib of the detector config), shared by the
  // stores and engines of every detector partition this process may own: each gets the share of
  // one partition when it owns them all, so the total stays within the budget however a
  // rebalance distributes them (scaled out, an instance uses less than its budget).
  std::shared_ptr<state::MemoryBudget> budget;
  size_t store_cache_bytes = 0;  // one partition's store write cache
  size_t key_cache_bytes = 0;    // one partition's engine key cache
};

void DetectSharedDeleter::operator()(DetectShared* s) const { delete s; }

Result<DetectSharedPtr> OpenDetectShared(const PipelineConfig& config, Metrics* metrics) {
  DetectSharedPtr shared(new DetectShared());
  VW_ASSIGN_OR_RETURN(shared->privacy, LoadPrivacy(config));
  VW_ASSIGN_OR_RETURN(shared->alert_format, detect::ParseAlertFormat(config.alert_format));
  VW_ASSIGN_OR_RETURN(detect::DetectConfig dc, detect::LoadDetectConfig(config.detect_config));
  size_t slots = 0;  // detector partitions this process may own
  for (const std::string& stage : config.stages) {
    if (stage == "vault") slots += static_cast<size_t>(std::max(config.by_vault.partitions, 1));
    if (stage == "caller") slots += static_cast<size_t>(std::max(config.by_caller.partitions, 1));
  }
  const int mib = config.memory_budget_mib > 0 ? config.memory_budget_mib : dc.memory_budget_mib;
  shared->budget = state::MemoryBudget::Create(static_cast<size_t>(mib) << 20);
  shared->store_cache_bytes = shared->budget->StoreCacheShare(slots);
  shared->key_cache_bytes = shared->budget->KeyCacheShare(slots);
  VW_LOG(Info, "detector state memory budget")
      .Field("budget_mib", mib)
      .Field("partitions", slots)
      .Field("store_cache_bytes", shared->store_cache_bytes)
      .Field("key_cache_bytes", shared->key_cache_bytes);
  FeedbackTrackerOptions o;
  o.consumer_config = config.ConsumerConfig();
  o.consumer_config["group.id"] = config.application_id + ".feedback-tracker";
  o.alerts_topic = config.alerts.name;
  o.feedback_topic = config.feedback.name;
  o.alerts_partitions = config.alerts.partitions;
  o.feedback_partitions = config.feedback.partitions;
  shared->tracker = std::make_unique<FeedbackTracker>(std::move(o), metrics);
  return shared;
}

Status CheckDetectInputs(const PipelineConfig& config, std::string* effective) {
  const std::string where =
      config.detect_config.empty() ? "built-in detector config" : config.detect_config;
  Result<detect::DetectConfig> dc = detect::LoadDetectConfig(config.detect_config);
  if (!dc.ok()) return dc.status().WithContext("'detect_config'");
  Result<std::unique_ptr<detect::ThreatIntel>> intel =
      detect::ThreatIntel::Load(*dc, SystemClock::Default());
  if (!intel.ok()) return intel.status().WithContext(where);
  VW_RETURN_IF_ERROR(LoadPrivacy(config).status());
  if (effective != nullptr) {
    *effective += "detect.threat_intel.tor_file: " + dc->tor_file + "\n";
    *effective += "detect.threat_intel.suspicious_file: " + dc->suspicious_file + "\n";
    *effective += "detect.threat_intel.microsoft_file: " + dc->microsoft_file + "\n";
  }
  return Status::OK();
}

Status StartDetectShared(DetectShared* shared, int alerts_partitions, int feedback_partitions,
                         const std::atomic<bool>& stop) {
  shared->tracker->SetPartitions(alerts_partitions, feedback_partitions);
  VW_RETURN_IF_ERROR(shared->tracker->Start());
  if (!shared->tracker->WaitUntilCaughtUp(stop)) return Status::Cancelled("stopping");
  return Status::OK();
}

namespace {

// Where a partition's flush markers are remembered between commits (and crashes).
constexpr std::string_view kFlushKey = "vw.runtime.flush-origins";
// The newest event time each raw partition forwarded (runtime/control.h), as of the commit:
// "<origins>;<origin>=<micros>,...".
constexpr std::string_view kOriginsKey = "vw.runtime.origin-watermarks";
// The input offset the engine's reorder buffer is re-read from (Engine::UnstoredFrom), as of the
// commit: absent when every buffered event is in the store.
constexpr std::string_view kReplayKey = "vw.runtime.replay-from";

// The alert output path: pseudonymise (privacy.pseudonymise=alerts), drop what an analyst's
// benign verdict suppresses, produce the rest into the open transaction. Counters are the
// transaction's, so suppressions are counted only when it commits.
class AlertEmitter final : public detect::AlertSink {
 public:
  AlertEmitter(const std::string& topic, Emitter& out, int64_t ts, CounterDelta* counters,
               const DetectShared* shared)
      : topic_(topic), out_(out), ts_(ts), counters_(counters), shared_(shared) {}
  void OnAlert(const v1::Alert& alert) override {
    if (!status_.ok()) return;
    std::string json;
    // The record key is the published SystemAlertId: in alerts mode the pseudonymised (keyed)
    // one, since the engine's id is an unkeyed hash of the clear entities.
    std::string id;
    v1::Alert copy;
    const v1::Alert* shown = &alert;  // the alert as published
    if (shared_ != nullptr && shared_->privacy.mode == PseudonymiseMode::kAlerts) {
      copy = alert;
      shared_->privacy.pseudonymiser->Apply(&copy);
      shown = &copy;
      json = detect::RenderAlert(copy, shared_->alert_format);
      id = copy.system_alert_id();
    } else {
      json = detect::RenderAlert(
          alert, shared_ != nullptr ? shared_->alert_format : detect::AlertFormat::kDefender);
      id = alert.system_alert_id();
    }
    if (shared_ != nullptr && shared_->tracker != nullptr) {
      SuppressionSnapshot suppressions = shared_->tracker->Snapshot();
      // Decided on the alert as published (pseudonyms included), which gives what the tracker's
      // records, parsed from the published lines, would give (alerts/suppression.h).
      if (IsSuppressed(*suppressions, *shown)) {
        ++counters_->suppressed_by_type[alert.alert_type()];
        return;
      }
    }
    status_ = out_.Emit(topic_, std::nullopt, id, json, nullptr, ts_);
    ++counters_->alerts_by_type[alert.alert_type()];
  }
  const Status& status() const { return status_; }

 private:
  const std::string& topic_;
  Emitter& out_;
  int64_t ts_;
  CounterDelta* counters_;
  const DetectShared* shared_;
  Status status_;
};

class DetectTask final : public PartitionTask {
 public:
  DetectTask(const PipelineConfig& config, kafka::TopicPartition tp, std::string changelog,
             std::unique_ptr<state::StateStore> store, std::unique_ptr<detect::Engine> engine,
             const DetectShared* shared, KafkaOffset committed, Duration allowed_lateness)
      : config_(config),
        shared_(shared),
        tp_(std::move(tp)),
        changelog_(std::move(changelog)),
        store_(std::move(store)),
        engine_(std::move(engine)),
        max_record_bytes_(MaxRecordBytes(config)),
        committed_(committed),
        allowed_lateness_us_(allowed_lateness.micros()),
        opened_(std::chrono::steady_clock::now()) {
    if (auto v = store_->Get(kReplayKey)) replay_from_ = std::strtoll(v->c_str(), nullptr, 10);
    LoadOrigins();
    store_->SetChangelogSink([this](std::string_view key, std::optional<std::string_view> value) {
      if (!changelog_status_.ok() || changelog_out_ == nullptr) return;
      if (value.has_value() && key.size() + value->size() + kRecordOverhead > max_record_bytes_) {
        // librdkafka would only say MSG_SIZE_TOO_LARGE. Name the key's family (never the
        // identity in it) and the sizes, for the bug report: the engine bounds its values.
        changelog_status_ = Status::Internal(
            "state value too large for one changelog record: key family '" + KeyFamily(key) +
            "', " + std::to_string(value->size()) + " bytes, producer message.max.bytes " +
            std::to_string(max_record_bytes_));
        return;
      }
      changelog_status_ = value.has_value()
                              ? changelog_out_->Emit(changelog_, tp_.partition, key, *value)
                              : changelog_out_->EmitTombstone(changelog_, tp_.partition, key);
    });
  }

  Status Process(const kafka::Message& m, Emitter& out, CounterDelta* counters) override {
    CheckReplayStart(m);
    AlertEmitter sink(config_.alerts.name, out, m.timestamp_ms() > 0 ? m.timestamp_ms() : 0,
                      counters, shared_);
    if (auto control = m.header(kControlHeader); control.has_value()) {
      if (*control == kControlFlush) HandleFlush(m, sink, counters);
      if (*control == kControlWatermark) HandleWatermark(m, sink);
      return sink.status();
    }
    uint64_t late_before = engine_->stats().late_dropped;
    const bool framed = ForEachEvent(m, [&](std::string_view bytes) {
      if (sink.status().ok()) ProcessOne(m, bytes, sink, counters);
    });
    if (!framed) Undecodable(m);
    counters->late_dropped += engine_->stats().late_dropped - late_before;
    return sink.status();
  }

  std::optional<KafkaOffset> ReplayFrom() const override {
    if (replay_from_ < 0) return std::nullopt;
    return KafkaOffset(replay_from_);
  }

  void Refill(const kafka::Message& m) override {
    CheckReplayStart(m);
    if (m.header(kControlHeader).has_value()) return;  // its effect is in the committed state
    bool decoded = true;
    const bool framed = ForEachEvent(m, [&](std::string_view bytes) {
      if (!engine_->RefillSerialized(bytes, m.offset().value())) decoded = false;
    });
    if (!framed || !decoded) Undecodable(m);
  }

  Status PrepareCommit(KafkaOffset next, Emitter& out) override {
    state::CommitPoint point;
    // Buffered events stay out of the store (and the changelog: ~85% of its bytes when they were
    // logged) while a restart can read them again. How far back it may re-read
    // (reorder_buffer_reread_records) bounds its cost and what retention must keep; past it the
    // oldest half is stored at once, so stores come in bulk, not at every commit.
    const int64_t bound = config_.reorder_buffer_reread_records;
    int64_t store_before = 0;
    const int64_t oldest = engine_->UnstoredFrom();
    if (oldest >= 0 && next.value() - oldest > bound) store_before = next.value() - bound / 2;
    engine_->PrepareCommit(&point, store_before);
    if (const int64_t from = engine_->UnstoredFrom(); from != replay_from_) {
      if (from >= 0) {
        store_->Put(kReplayKey, std::to_string(from));
      } else {
        store_->Delete(kReplayKey);
      }
      replay_from_ = from;
    }
    if (origins_dirty_) {
      std::string v = std::to_string(origins_total_) + ";";
      for (const auto& [o, origin] : origins_) {
        v += std::to_string(o) + "=" + std::to_string(origin.newest_us) + ",";
      }
      store_->Put(kOriginsKey, v);
      origins_dirty_ = false;
    }
    point.next_offsets[tp_.ToString()] = next.value();
    changelog_out_ = &out;
    changelog_status_ = Status::OK();
    Status s = store_->Commit(point);
    changelog_out_ = nullptr;
    VW_RETURN_IF_ERROR(s);
    return changelog_status_;
  }

  std::pair<uint64_t, uint64_t> StateSize() override {
    state::StoreStats st = store_->Stats();
    return {st.estimated_keys, st.sst_bytes};
  }

 private:
  void ProcessOne(const kafka::Message& m, std::string_view bytes, detect::AlertSink& sink,
                  CounterDelta* counters) {
    // Decoded by the engine straight into one of its pooled events (no message in between).
    if (!engine_->ProcessSerialized(bytes, sink, m.offset().value())) {
      Undecodable(m);
      return;
    }
    counters->events_detected += 1;
  }

  // Calls `fn` with each serialised event of an event record; false if a batched record's framing
  // is corrupt. A batched record (runtime/control.h) has no key; an event record has its routing
  // key (empty only for an event without any caller), so the header is looked up only when it
  // can matter.
  template <typename Fn>
  static bool ForEachEvent(const kafka::Message& m, Fn&& fn) {
    if (m.key().empty() && m.header(kFormatHeader) == kFormatEventBatch) {
      return ForEachBatchedEvent(m.value(), fn);
    }
    fn(m.value());
    return true;
  }

  // The first record read after opening: if the input no longer starts where the buffered
  // events were read (retention deleted it while the stage was down), they are lost. Said once.
  void CheckReplayStart(const kafka::Message& m) {
    if (replay_checked_) return;
    replay_checked_ = true;
    if (replay_from_ < 0 || committed_.value() <= replay_from_ ||
        m.offset().value() <= replay_from_)
      return;
    VW_LOG(Error, "input to rebuild the reorder buffer is gone; its events are lost")
        .Field("partition", tp_.ToString())
        .Field("wanted_from", replay_from_)
        .Field("first_offset", m.offset().value())
        .Field("committed", committed_.value());
  }

  // Only the ingest stage writes this topic; a record it cannot have written is skipped loudly
  // rather than crashing the partition.
  void Undecodable(const kafka::Message& m) {
    VW_LOG(Error, "undecodable event skipped")
        .Field("partition", tp_.ToString())
        .Field("offset", m.offset().value());
  }

  void HandleFlush(const kafka::Message& m, detect::AlertSink& sink, CounterDelta* counters) {
    auto origin = m.header(kOriginHeader);
    auto origins = m.header(kOriginsHeader);
    if (!origin || !origins) return;
    std::set<std::string> seen;
    if (auto v = store_->Get(kFlushKey)) {
      std::istringstream in(*v);
      for (std::string o; std::getline(in, o, ',');) seen.insert(o);
    }
    seen.insert(std::string(*origin));
    if (std::to_string(seen.size()) == *origins) {
      VW_LOG(Info, "end of input: flushing the engine").Field("partition", tp_.ToString());
      engine_->Flush(sink);
      store_->Delete(kFlushKey);
      ++counters->end_of_input_flushes;
      return;
    }
    std::string joined;
    for (const auto& o : seen) joined += (joined.empty() ? "" : ",") + o;
    store_->Put(kFlushKey, joined);
  }

  // A raw partition's event-time progress (runtime/control.h): the stream watermark is the
  // minimum over the raw partitions, less the allowed lateness.
  void HandleWatermark(const kafka::Message& m, detect::AlertSink& sink) {
    auto origin = m.header(kOriginHeader);
    auto origins = m.header(kOriginsHeader);
    if (!origin || !origins) return;
    const int o = std::atoi(std::string(*origin).c_str());
    const int n = std::atoi(std::string(*origins).c_str());
    const int64_t newest = std::strtoll(std::string(m.value()).c_str(), nullptr, 10);
    if (o < 0 || n <= 0 || o >= n) return;
    origins_total_ = std::max(origins_total_, n);
    Origin& entry = origins_[o];
    entry.heard = std::chrono::steady_clock::now();
    if (newest > entry.newest_us) {
      entry.newest_us = newest;
      origins_dirty_ = true;
    }
    AdvanceWatermark(sink);
  }

  void AdvanceWatermark(detect::AlertSink& sink) {
    if (origins_total_ == 0) return;
    const auto now = std::chrono::steady_clock::now();
    const auto idle = std::chrono::milliseconds(config_.watermark_idle_timeout_ms);
    int64_t low = INT64_MAX, high = INT64_MIN;
    bool unknown = false;  // a raw partition not heard of yet holds the watermark
    for (int o = 0; o < origins_total_; ++o) {
      auto it = origins_.find(o);
      // Silent for the idle timeout (or never heard of since the task opened): left out, so
      // that it cannot hold the others back (live input only; 0 waits for every partition).
      const auto heard = it == origins_.end() ? opened_ : it->second.heard;
      if (config_.watermark_idle_timeout_ms > 0 && now - heard >= idle) continue;
      if (it == origins_.end() || it->second.newest_us == INT64_MIN) {
        unknown = true;
        continue;
      }
      low = std::min(low, it->second.newest_us);
      high = std::max(high, it->second.newest_us);
    }
    // The raw partitions that speak are close together in event time (live input): a key's
    // events arrive about in event order, and threshold alerts go out when crossed. Far apart (a
    // preloaded topic read partition after partition), they wait for the watermark, where the
    // order is canonical. The replay settings (0) keep them there whatever the spread.
    engine_->SetEarlyAlerts(config_.early_alert_max_origin_skew_ms > 0 && low != INT64_MAX &&
                            high - low <= config_.early_alert_max_origin_skew_ms * 1000LL);
    if (unknown || low == INT64_MAX) return;
    engine_->AdvanceWatermark(EventTime::FromMicros(low - allowed_lateness_us_), sink);
  }

  void LoadOrigins() {
    auto v = store_->Get(kOriginsKey);
    if (!v) return;
    std::string_view rest = *v;
    const size_t semi = rest.find(';');
    if (semi == std::string_view::npos) return;
    origins_total_ = std::atoi(std::string(rest.substr(0, semi)).c_str());
    rest.remove_prefix(semi + 1);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      const size_t eq = item.find('=');
      if (eq != std::string_view::npos) {
        Origin& o = origins_[std::atoi(std::string(item.substr(0, eq)).c_str())];
        o.newest_us = std::strtoll(std::string(item.substr(eq + 1)).c_str(), nullptr, 10);
        o.heard = opened_;
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }

  // Record framing and headers on top of key and value (librdkafka counts them too).
  static constexpr size_t kRecordOverhead = 256;
  static_assert(kMinDetectorMessageBytes >=
                    detect::Engine::kMaxSegmentBytes + kRecordOverhead + (16 << 10),
                "config validation would let through a message.max.bytes the segments exceed");

  // A state key's family, for error messages: the engine's "e/<kind>" or a detector state
  // namespace (state/primitives_common.h: "<ns>\0<key>"), never the identity after it.
  static std::string KeyFamily(std::string_view key) {
    if (key.starts_with("e/")) return std::string(key.substr(0, 3));
    const size_t end = key.find('\0');
    return end != std::string_view::npos && end <= 16 ? std::string(key.substr(0, end)) : "?";
  }
  static size_t MaxRecordBytes(const PipelineConfig& config) {
    const kafka::Config c = config.ProducerConfig();
    auto it = c.find("message.max.bytes");
    return it == c.end() ? 1000000 : std::strtoull(it->second.c_str(), nullptr, 10);
  }

  const PipelineConfig& config_;
  const DetectShared* shared_;
  kafka::TopicPartition tp_;
  std::string changelog_;
  std::unique_ptr<state::StateStore> store_;
  std::unique_ptr<detect::Engine> engine_;
  size_t max_record_bytes_;
  KafkaOffset committed_;  // the group's committed offset when the task opened
  int64_t allowed_lateness_us_;
  std::chrono::steady_clock::time_point opened_;
  struct Origin {
    int64_t newest_us = INT64_MIN;
    std::chrono::steady_clock::time_point heard;  // last watermark record from it
  };
  std::map<int, Origin> origins_;  // by raw partition
  int origins_total_ = 0;          // raw partitions (vw.origins)
  bool origins_dirty_ = false;     // origins_ changed since the last commit
  int64_t replay_from_ = -1;       // kReplayKey as stored at the last commit
  bool replay_checked_ = false;
  Emitter* changelog_out_ = nullptr;
  Status changelog_status_;
};

// Rebuilds a partition's store from the changelog up to its last stable offset (the recovery
// rule of docs/state.md), on the worker's restore thread or inline in Open. Owns copies of what
// it needs; Metrics is thread-safe.
class ChangelogRestoreJob final : public RestoreJob {
 public:
  ChangelogRestoreJob(kafka::Config consumer_config, std::string changelog,
                      kafka::TopicPartition tp, KafkaOffset committed, state::StoreOptions options,
                      Metrics* metrics)
      : consumer_config_(std::move(consumer_config)),
        changelog_(std::move(changelog)),
        tp_(std::move(tp)),
        committed_(committed),
        options_(std::move(options)),
        metrics_(metrics) {}

  Status Run(const std::atomic<bool>& cancel) override {
    VW_RETURN_IF_ERROR(state::StateStore::Destroy(options_.path));
    VW_ASSIGN_OR_RETURN(std::unique_ptr<state::StateStore> store,
                        state::StateStore::Open(options_));
    const kafka::TopicPartition ctp{changelog_, tp_.partition};
    RestoreStats stats;
    VW_RETURN_IF_ERROR(RestoreChangelog(consumer_config_, ctp, store.get(), &cancel, &stats));
    metrics_->CountRestore(stats.records);
    VW_LOG(Info, "state restored from changelog")
        .Field("partition", ctp.ToString())
        .Field("records", stats.records)
        .Field("seconds", stats.seconds);
    VW_ASSIGN_OR_RETURN(state::CommitPoint restored, store->LastCommit());
    std::map<std::string, int64_t> want;
    want[tp_.ToString()] = committed_.value();
    if (restored.next_offsets == want) return Status::OK();
    // The changelog's last commit record is written in the same transaction as the group
    // offsets, so this means the changelog topic was lost or truncated. State known to be wrong
    // is never run: the partition stays closed (its worker reports it on /healthz and retries)
    // until an operator restores the changelog or resets the group's offsets.
    auto at = restored.next_offsets.find(tp_.ToString());
    const int64_t got = at == restored.next_offsets.end() ? -1 : at->second;
    VW_LOG(Error, "restored state does not match the committed offset; partition stopped")
        .Field("partition", tp_.ToString())
        .Field("committed", committed_.value())
        .Field("restored", got);
    return Status::Corruption("state of " + tp_.ToString() + " restored from " + changelog_ +
                              " ends at offset " + std::to_string(got) +
                              " but the group committed " + std::to_string(committed_.value()) +
                              " (changelog lost or truncated?); the partition is not processed");
  }

 private:
  kafka::Config consumer_config_;
  std::string changelog_;
  kafka::TopicPartition tp_;
  KafkaOffset committed_;
  state::StoreOptions options_;
  Metrics* metrics_;
};

class DetectTaskFactory final : public TaskFactory {
 public:
  DetectTaskFactory(const PipelineConfig& config, DetectStage stage, detect::DetectConfig dc,
                    std::unique_ptr<detect::ThreatIntel> intel, Metrics* metrics,
                    const DetectShared* shared)
      : config_(config),
        shared_(shared),
        stage_(stage == DetectStage::kVault ? "vault" : "caller"),
        keying_(stage == DetectStage::kVault ? detect::Keying::kByVault
                                             : detect::Keying::kByCaller),
        detect_config_(std::move(dc)),
        intel_(std::move(intel)),
        metrics_(metrics) {}

  Result<std::unique_ptr<RestoreJob>> PrepareOpen(const kafka::TopicPartition& tp,
                                                  KafkaOffset committed) override {
    if (committed.value() < 0) return std::unique_ptr<RestoreJob>();  // nothing to restore
    VW_ASSIGN_OR_RETURN(state::StoreOptions options, StoreOptionsFor(tp));
    {
      VW_ASSIGN_OR_RETURN(std::unique_ptr<state::StateStore> store,
                          state::StateStore::Open(options));
      VW_ASSIGN_OR_RETURN(state::CommitPoint local, store->LastCommit());
      if (state::DecideRecovery(local, Want(tp, committed)) == state::RecoveryAction::kKeep) {
        return std::unique_ptr<RestoreJob>();
      }
    }
    return std::unique_ptr<RestoreJob>(new ChangelogRestoreJob(config_.ConsumerConfig(),
                                                               config_.ChangelogTopic(stage_), tp,
                                                               committed, options, metrics_));
  }

  Result<std::unique_ptr<PartitionTask>> Open(const kafka::TopicPartition& tp,
                                              KafkaOffset committed) override {
    VW_ASSIGN_OR_RETURN(state::StoreOptions options, StoreOptionsFor(tp));
    VW_ASSIGN_OR_RETURN(std::unique_ptr<state::StateStore> store, state::StateStore::Open(options));
    VW_ASSIGN_OR_RETURN(state::CommitPoint local, store->LastCommit());
    const std::map<std::string, int64_t> want = Want(tp, committed);
    if (state::DecideRecovery(local, want) == state::RecoveryAction::kRebuild) {
      store.reset();
      if (want.empty()) {
        VW_RETURN_IF_ERROR(state::StateStore::Destroy(options.path));
      } else {
        // Not restored by PrepareOpen's job (its caller did not run one): rebuilt here.
        std::atomic<bool> never{false};
        VW_RETURN_IF_ERROR(ChangelogRestoreJob(config_.ConsumerConfig(),
                                               config_.ChangelogTopic(stage_), tp, committed,
                                               options, metrics_)
                               .Run(never));
      }
      VW_ASSIGN_OR_RETURN(store, state::StateStore::Open(options));
    } else if (!want.empty()) {
      VW_LOG(Info, "local state matches the committed offset; no restore")
          .Field("stage", stage_)
          .Field("partition", tp.ToString())
          .Field("offset", committed.value());
    }
    VW_ASSIGN_OR_RETURN(std::unique_ptr<detect::Engine> engine,
                        detect::Engine::Create(detect_config_, keying_, store.get(), intel_.get()));
    // The stage's input interleaves the raw partitions: event time moves with the slowest of
    // them (watermark records), never with the events themselves.
    if (shared_ != nullptr && shared_->budget != nullptr) {
      engine->SetKeyCacheBytes(shared_->key_cache_bytes);
    }
    engine->UseExternalWatermark();
    engine->SetEarlyAlerts(false);  // until the raw partitions' watermarks show them aligned
    if (shared_ != nullptr && shared_->privacy.mode == PseudonymiseMode::kState) {
      // The shared_ptr keeps the pseudonymiser alive as long as the engine.
      std::shared_ptr<const alerts::Pseudonymiser> p = shared_->privacy.pseudonymiser;
      engine->SetEventTransform([p](v1::AccessEvent* e) { p->Apply(e); });
    }
    return std::unique_ptr<PartitionTask>(
        new DetectTask(config_, tp, config_.ChangelogTopic(stage_), std::move(store),
                       std::move(engine), shared_, committed, detect_config_.allowed_lateness));
  }

 private:
  Result<state::StoreOptions> StoreOptionsFor(const kafka::TopicPartition& tp) const {
    std::filesystem::path dir = std::filesystem::path(config_.state_dir) / config_.application_id /
                                config_.instance_id / stage_ / std::to_string(tp.partition.value());
    std::error_code ec;
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec)
      return Status::IOError("cannot create " + dir.parent_path().string() + ": " + ec.message());
    state::StoreOptions options;
    options.path = dir.string();
    if (shared_ != nullptr && shared_->budget != nullptr) {
      options.budget = shared_->budget;
      options.write_cache_bytes = shared_->store_cache_bytes;
    }
    return options;
  }

  static std::map<std::string, int64_t> Want(const kafka::TopicPartition& tp,
                                             KafkaOffset committed) {
    std::map<std::string, int64_t> want;
    if (committed.value() >= 0) want[tp.ToString()] = committed.value();
    return want;
  }

  const PipelineConfig& config_;
  const DetectShared* shared_;
  std::string stage_;
  detect::Keying keying_;
  detect::DetectConfig detect_config_;
  std::unique_ptr<detect::ThreatIntel> intel_;
  Metrics* metrics_;
};

}  // namespace

Result<std::unique_ptr<TaskFactory>> MakeDetectTaskFactory(const PipelineConfig& config,
                                                           DetectStage stage, int worker_index,
                                                           Metrics* metrics, DetectShared* shared) {
  (void)worker_index;
  VW_ASSIGN_OR_RETURN(detect::DetectConfig dc, detect::LoadDetectConfig(config.detect_config));
  VW_ASSIGN_OR_RETURN(std::unique_ptr<detect::ThreatIntel> intel,
                      detect::ThreatIntel::Load(dc, SystemClock::Default()));
  return std::unique_ptr<TaskFactory>(
      new DetectTaskFactory(config, stage, std::move(dc), std::move(intel), metrics, shared));
}

}  // namespace vw::runtime
