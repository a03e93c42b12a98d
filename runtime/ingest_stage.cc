#include "runtime/ingest_stage.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/time_format.h"
#include "base/varint.h"
#include "processors/ingest/ingest.h"
#include "runtime/control.h"
#include "runtime/partitioner.h"

namespace vw::runtime {
namespace {

// Batched keyed records (keyed_batch_events > 1, runtime/control.h): per destination partition,
// a buffer of (varint32 length, AccessEvent bytes), emitted when full and at the end of each raw
// input record, so a batch never outlives the input record (and transaction) it came from.
class Batcher {
 public:
  Batcher(const PipelineConfig& config)
      : config_(config),
        vault_(static_cast<size_t>(config.by_vault.partitions)),
        caller_(static_cast<size_t>(config.by_caller.partitions)) {}

  Status Add(Emitter& out, const v1::AccessEvent& event, int64_t ts) {
    const size_t size = event.ByteSizeLong();
    // ingest::VaultKey / CallerKey as views into the event (no two strings built per event).
    const std::string_view vk = event.vault_id();
    const std::string_view ck = ingest::CallerKeyView(event, &key_buf_);
    Buffer& v = vault_[static_cast<size_t>(KeyPartition(vk, config_.by_vault.partitions))];
    Buffer& c = caller_[static_cast<size_t>(KeyPartition(ck, config_.by_caller.partitions))];
    // Serialise once into the vault buffer, then copy the bytes into the caller one.
    const size_t at = v.bytes.size();
    PutVarint64(&v.bytes, size);
    const size_t body = v.bytes.size();
    v.bytes.resize(body + size);
    event.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(v.bytes.data() + body));
    c.bytes.append(v.bytes, at, v.bytes.size() - at);
    ++v.events;
    ++c.events;
    if (v.events >= config_.keyed_batch_events)
      VW_RETURN_IF_ERROR(Emit(out, config_.by_vault, &v, ts));
    if (c.events >= config_.keyed_batch_events)
      VW_RETURN_IF_ERROR(Emit(out, config_.by_caller, &c, ts));
    return Status::OK();
  }

  Status Flush(Emitter& out, int64_t ts) {
    for (size_t p = 0; p < vault_.size(); ++p)
      if (vault_[p].events > 0) VW_RETURN_IF_ERROR(Emit(out, config_.by_vault, &vault_[p], ts, p));
    for (size_t p = 0; p < caller_.size(); ++p)
      if (caller_[p].events > 0)
        VW_RETURN_IF_ERROR(Emit(out, config_.by_caller, &caller_[p], ts, p));
    return Status::OK();
  }

 private:
  struct Buffer {
    std::string bytes;
    int events = 0;
  };
  Status Emit(Emitter& out, const TopicConfig& topic, Buffer* b, int64_t ts,
              size_t partition = SIZE_MAX) {
    if (partition == SIZE_MAX) {
      const auto& all = &topic == &config_.by_vault ? vault_ : caller_;
      partition = static_cast<size_t>(b - all.data());
    }
    static const kafka::Headers kHeaders = {
        {std::string(kFormatHeader), std::string(kFormatEventBatch)}};
    Status s = out.Emit(topic.name, PartitionId(static_cast<int32_t>(partition)), "", b->bytes,
                        &kHeaders, ts);
    b->bytes.clear();
    b->events = 0;
    return s;
  }

  const PipelineConfig& config_;
  std::vector<Buffer> vault_, caller_;
  std::string key_buf_;  // ingest::CallerKeyView's, for a caller without an id
};

class Sink final : public ingest::RecordSink {
 public:
  Sink(const PipelineConfig& config, Emitter& out, int64_t timestamp_ms, Batcher* batcher,
       int64_t* newest_us)
      : config_(config),
        out_(out),
        timestamp_ms_(timestamp_ms),
        batcher_(batcher),
        newest_us_(newest_us) {}

  void OnEvent(v1::AccessEvent&& event) override {
    if (!status_.ok()) return;
    *newest_us_ = std::max(*newest_us_, event.time_us());
    if (batcher_ != nullptr) {
      status_ = batcher_->Add(out_, event, timestamp_ms_);
      return;
    }
    buf_.clear();
    event.SerializeToString(&buf_);
    status_ = out_.Emit(config_.by_vault.name, std::nullopt, event.vault_id(), buf_, nullptr,
                        timestamp_ms_);
    if (!status_.ok()) return;
    status_ = out_.Emit(config_.by_caller.name, std::nullopt,
                        ingest::CallerKeyView(event, &key_buf_), buf_, nullptr, timestamp_ms_);
  }

  void OnDeadLetter(ingest::DeadLetter&& dead) override {
    if (!status_.ok()) return;
    const auto& src = dead.source;
    kafka::Headers h = {{"vw.reason", dead.reason},
                        {"vw.source.topic", src.source()},
                        {"vw.source.partition", std::to_string(src.partition())},
                        {"vw.source.offset", std::to_string(src.offset())},
                        {"vw.source.index", std::to_string(src.index())}};
    std::string key = src.source() + "/" + std::to_string(src.partition()) + "/" +
                      std::to_string(src.offset()) + "/" + std::to_string(src.index());
    status_ = out_.Emit(config_.deadletter.name, std::nullopt, key, dead.raw, &h, timestamp_ms_);
  }

  const Status& status() const { return status_; }

 private:
  const PipelineConfig& config_;
  Emitter& out_;
  int64_t timestamp_ms_;
  Batcher* batcher_;
  int64_t* newest_us_;  // the raw partition's newest event time
  Status status_;
  std::string buf_;
  std::string key_buf_;
};

class IngestTask final : public PartitionTask {
 public:
  IngestTask(const PipelineConfig& config, ingest::Ingestor* ingestor, int raw_partitions,
             PartitionId partition)
      : config_(config),
        ingestor_(ingestor),
        raw_partitions_(raw_partitions),
        partition_(partition) {
    if (config.keyed_batch_events > 1) batcher_ = std::make_unique<Batcher>(config);
  }

  Status Process(const kafka::Message& m, Emitter& out, CounterDelta* counters) override {
    int64_t ts = m.timestamp_ms() > 0 ? m.timestamp_ms() : 0;
    if (auto control = m.header(kControlHeader); control.has_value()) {
      if (*control != kControlFlush) return Status::OK();  // unknown control record: ignore
      return Broadcast(out, kControlFlush, kControlFlush, ts);
    }
    v1::SourcePosition base;
    base.set_source(std::string(m.topic()));
    base.set_partition(m.partition().value());
    base.set_offset(m.offset().value());
    ingest::IngestCounters before = ingestor_->counters();
    last_ts_ = ts;
    Sink sink(config_, out, ts, batcher_.get(), &newest_us_);
    ingestor_->Ingest(m.value(), base, sink);
    if (batcher_ != nullptr && sink.status().ok()) VW_RETURN_IF_ERROR(batcher_->Flush(out, ts));
    // Input read faster than event time passes (a backlog, a replay): forward progress within
    // the transaction too, so the detector stages never buffer hours of event time.
    if (sink.status().ok() && forwarded_us_ != INT64_MIN &&
        newest_us_ - forwarded_us_ >= kForwardStepUs) {
      VW_RETURN_IF_ERROR(ForwardWatermark(out));
    }
    const ingest::IngestCounters& after = ingestor_->counters();
    counters->events_in += after.records_in - before.records_in;
    counters->accepted += after.accepted - before.accepted;
    counters->deadlettered += after.deadlettered - before.deadlettered;
    counters->skipped += after.skipped - before.skipped;
    return sink.status();
  }

  // Forwards the partition's event-time progress, after the events of this transaction, to
  // every keyed partition (runtime/control.h): what lets the detector stages release buffered
  // events of every key, and evaluate keys that go quiet, without an end-of-input marker.
  Status PrepareCommit(KafkaOffset, Emitter& out) override { return ForwardWatermark(out); }

 private:
  // Event time a raw partition may advance before its watermark is forwarded mid-transaction.
  static constexpr int64_t kForwardStepUs = 60LL * 1000000;

  Status ForwardWatermark(Emitter& out) {
    if (newest_us_ == INT64_MIN || newest_us_ == forwarded_us_) return Status::OK();
    VW_RETURN_IF_ERROR(Broadcast(out, kControlWatermark, std::to_string(newest_us_), last_ts_));
    forwarded_us_ = newest_us_;
    return Status::OK();
  }

  // A control record (runtime/control.h) from this raw partition to every keyed partition.
  Status Broadcast(Emitter& out, std::string_view kind, std::string_view value, int64_t ts) {
    const kafka::Headers h = {{std::string(kControlHeader), std::string(kind)},
                              {std::string(kOriginHeader), std::to_string(partition_.value())},
                              {std::string(kOriginsHeader), std::to_string(raw_partitions_)}};
    for (const TopicConfig* t : {&config_.by_vault, &config_.by_caller}) {
      for (int p = 0; p < t->partitions; ++p) {
        VW_RETURN_IF_ERROR(out.Emit(t->name, PartitionId(p), "", value, &h, ts));
      }
    }
    return Status::OK();
  }

  const PipelineConfig& config_;
  ingest::Ingestor* ingestor_;
  int raw_partitions_;
  PartitionId partition_;
  std::unique_ptr<Batcher> batcher_;
  // Newest event time read from the partition, and the last one forwarded. A task reopened after
  // an abort starts again from nothing: the detector stages keep the largest value per origin.
  int64_t newest_us_ = INT64_MIN;
  int64_t forwarded_us_ = INT64_MIN;
  int64_t last_ts_ = 0;
};

class IngestTaskFactory final : public TaskFactory {
 public:
  IngestTaskFactory(const PipelineConfig& config, int raw_partitions)
      : config_(config), raw_partitions_(raw_partitions) {}
  Result<std::unique_ptr<PartitionTask>> Open(const kafka::TopicPartition& tp,
                                              KafkaOffset) override {
    return std::unique_ptr<PartitionTask>(
        new IngestTask(config_, &ingestor_, raw_partitions_, tp.partition));
  }

 private:
  const PipelineConfig& config_;
  int raw_partitions_;
  ingest::Ingestor ingestor_;
};

}  // namespace

int64_t RawRecordTimeKey(const kafka::Message& m) {
  if (m.header(kControlHeader).has_value()) return INT64_MAX;
  std::string_view v = m.value();
  // The newest `time` of the message's records (RFC 3339 strings, "2026-01-05T00:00:02.78Z"),
  // found by scanning for the key rather than parsing the JSON. The newest, not the first: the
  // watermark after a message is its newest event, so taking the message with the oldest newest
  // event first keeps the watermark lowest and drops the fewest events as late (a message may
  // start with a late-delivered record).
  int64_t newest = INT64_MIN;
  for (size_t pos = v.find("\"time\""); pos != std::string_view::npos;
       pos = v.find("\"time\"", pos + 6)) {
    size_t i = pos + 6;
    while (i < v.size() && (v[i] == ' ' || v[i] == ':' || v[i] == '\t')) ++i;
    if (i >= v.size() || v[i] != '"') continue;
    size_t end = v.find('"', i + 1);
    if (end == std::string_view::npos) break;
    Result<EventTime> t = ParseRfc3339(v.substr(i + 1, end - i - 1));
    if (t.ok() && t->micros() > newest) newest = t->micros();
  }
  return newest;
}

std::unique_ptr<TaskFactory> MakeIngestTaskFactory(const PipelineConfig& config,
                                                   int raw_partitions) {
  return std::make_unique<IngestTaskFactory>(config, raw_partitions);
}

}  // namespace vw::runtime
