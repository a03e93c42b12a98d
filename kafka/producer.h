// Producer and TransactionalProducer: RAII owners of one librdkafka producer handle.
//
// Producer is at-least-once (idempotent by default); TransactionalProducer adds the EOS v2 calls
// (init/begin/send_offsets/commit/abort) and is what the runtime uses: one per consumer thread.
// Every failure is a Status whose code is the librdkafka error class (see errors.h):
// kUnavailable = retry the call, kAborted = abort the transaction and rewind, kFatal = destroy this
// object and create a new one (e.g. fenced, or librdkafka 2.0.2's fatal idempotence sequence
// error after a timeout), then resume from the committed offsets.
//
// Thread-safety: Produce/Poll may be called from several threads (librdkafka is thread-safe), but
// the transactional calls must come from one thread, the owner's. Destruction flushes nothing:
// call Flush (or CommitTransaction) first if the messages matter.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "kafka/consumer.h"
#include "kafka/types.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;

namespace vw::kafka {

class Producer {
 public:
  // `config` must set bootstrap.servers; "enable.idempotence" defaults to true here.
  static Result<std::unique_ptr<Producer>> Create(const Config& config);
  virtual ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one record. `partition` nullopt = the configured partitioner on `key` (the runtime
  // configures murmur2_random, the Java client's, so keys land where other clients put them).
  // `timestamp_ms` 0 = now (the runtime passes its input record's time on, as Kafka Streams
  // does, so that end-to-end latency is measurable downstream). Blocks (serving delivery reports)
  // while the local queue is full; fails only on a real error.
  Status Produce(std::string_view topic, std::optional<PartitionId> partition, std::string_view key,
                 std::string_view value, const Headers* headers = nullptr,
                 int64_t timestamp_ms = 0);
  // A tombstone (null value), e.g. a deleted key in a compacted changelog.
  Status ProduceTombstone(std::string_view topic, PartitionId partition, std::string_view key);
  // Waits until this client's metadata shows `topic` with at least `partitions` partitions, each
  // with a leader. Producing to an explicit partition its metadata does not know yet fails the
  // record at once ("unknown partition"): call this first after creating a topic.
  Status WaitForTopic(const std::string& topic, int partitions, int timeout_ms);
  // Serves delivery reports without blocking.
  void Poll();
  // Waits until every queued record is delivered or failed; returns the first delivery error since
  // the last Flush (and forgets it).
  Status Flush(int timeout_ms);
  // Records queued or in flight.
  int OutQueueLength();
  // kFatal with the reason if the handle has raised a fatal error, else OK.
  Status FatalError();
  const std::string& name() const { return name_; }

  struct DeliveryState;  // internal: delivery errors, written by librdkafka's callback

 protected:
  Producer(rd_kafka_s* rk, std::unique_ptr<DeliveryState> delivery);
  static Result<std::pair<rd_kafka_s*, std::unique_ptr<DeliveryState>>> MakeHandle(
      const Config& config, bool transactional);
  rd_kafka_s* rk_;

 private:
  rd_kafka_topic_s* Topic(std::string_view name);
  Status ProduceImpl(std::string_view topic, std::optional<PartitionId> partition,
                     std::string_view key, const std::string_view* value, const Headers* headers,
                     int64_t timestamp_ms);

  std::unique_ptr<DeliveryState> delivery_;
  std::string name_;
  std::mutex topics_mu_;
  std::vector<std::pair<std::string, rd_kafka_topic_s*>> topics_;
};

class TransactionalProducer final : public Producer {
 public:
  // `config` must set transactional.id. Calls InitTransactions (fencing any older producer with
  // the same id and aborting its open transaction) before returning.
  static Result<std::unique_ptr<TransactionalProducer>> Create(const Config& config,
                                                               int init_timeout_ms = 30000);
  Status BeginTransaction();
  // Adds the consumer's next offsets to the open transaction (EOS v2: with the consumer's group
  // metadata, so a zombie of an older generation is fenced by the group coordinator).
  Status SendOffsetsToTransaction(const OffsetMap& offsets, const GroupMetadata& group,
                                  int timeout_ms);
  // Flushes and commits. On kUnavailable the same call may be repeated; on kAborted call
  // AbortTransaction; on kFatal destroy this producer.
  Status CommitTransaction(int timeout_ms);
  Status AbortTransaction(int timeout_ms);
  bool in_transaction() const { return in_txn_; }

 private:
  using Producer::Producer;
  bool in_txn_ = false;
};

}  // namespace vw::kafka
