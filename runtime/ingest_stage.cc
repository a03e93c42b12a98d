#include "runtime/ingest_stage.h"

#include "processors/ingest/ingest.h"
#include "runtime/control.h"

namespace vw::runtime {
namespace {

class Sink final : public ingest::RecordSink {
 public:
  Sink(const PipelineConfig& config, Emitter& out, int64_t timestamp_ms)
      : config_(config), out_(out), timestamp_ms_(timestamp_ms) {}

  void OnEvent(v1::AccessEvent&& event) override {
    if (!status_.ok()) return;
    buf_.clear();
    event.SerializeToString(&buf_);
    status_ = out_.Emit(config_.by_vault.name, std::nullopt, ingest::VaultKey(event), buf_, nullptr,
                        timestamp_ms_);
    if (!status_.ok()) return;
    status_ = out_.Emit(config_.by_caller.name, std::nullopt, ingest::CallerKey(event), buf_,
                        nullptr, timestamp_ms_);
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
  Status status_;
  std::string buf_;
};

class IngestTask final : public PartitionTask {
 public:
  IngestTask(const PipelineConfig& config, ingest::Ingestor* ingestor, int raw_partitions)
      : config_(config), ingestor_(ingestor), raw_partitions_(raw_partitions) {}

  Status Process(const kafka::Message& m, Emitter& out, CounterDelta* counters) override {
    int64_t ts = m.timestamp_ms() > 0 ? m.timestamp_ms() : 0;
    if (auto control = m.header(kControlHeader); control.has_value()) {
      if (*control != kControlFlush) return Status::OK();  // unknown control record: ignore
      kafka::Headers h = {{std::string(kControlHeader), std::string(kControlFlush)},
                          {std::string(kOriginHeader), std::to_string(m.partition().value())},
                          {std::string(kOriginsHeader), std::to_string(raw_partitions_)}};
      for (const TopicConfig* t : {&config_.by_vault, &config_.by_caller}) {
        for (int p = 0; p < t->partitions; ++p) {
          VW_RETURN_IF_ERROR(out.Emit(t->name, PartitionId(p), "", kControlFlush, &h, ts));
        }
      }
      return Status::OK();
    }
    v1::SourcePosition base;
    base.set_source(std::string(m.topic()));
    base.set_partition(m.partition().value());
    base.set_offset(m.offset().value());
    ingest::IngestCounters before = ingestor_->counters();
    Sink sink(config_, out, ts);
    ingestor_->Ingest(m.value(), base, sink);
    const ingest::IngestCounters& after = ingestor_->counters();
    counters->events_in += after.records_in - before.records_in;
    counters->accepted += after.accepted - before.accepted;
    counters->deadlettered += after.deadlettered - before.deadlettered;
    counters->skipped += after.skipped - before.skipped;
    return sink.status();
  }

 private:
  const PipelineConfig& config_;
  ingest::Ingestor* ingestor_;
  int raw_partitions_;
};

class IngestTaskFactory final : public TaskFactory {
 public:
  IngestTaskFactory(const PipelineConfig& config, int raw_partitions)
      : config_(config), raw_partitions_(raw_partitions) {}
  Result<std::unique_ptr<PartitionTask>> Open(const kafka::TopicPartition&, KafkaOffset) override {
    return std::unique_ptr<PartitionTask>(new IngestTask(config_, &ingestor_, raw_partitions_));
  }

 private:
  const PipelineConfig& config_;
  int raw_partitions_;
  ingest::Ingestor ingestor_;
};

}  // namespace

std::unique_ptr<TaskFactory> MakeIngestTaskFactory(const PipelineConfig& config,
                                                   int raw_partitions) {
  return std::make_unique<IngestTaskFactory>(config, raw_partitions);
}

}  // namespace vw::runtime
