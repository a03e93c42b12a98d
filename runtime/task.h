// PartitionTask: the processing of one input partition inside a stage, behind a small interface
// so that the exactly-once machinery (StageWorker) is written once for every stage.
//
// A task owns its processor and, for stateful stages, its StateStore. It never sees a transaction:
// it emits records through an Emitter bound to the worker's open transaction, and it is told when
// to make its state durable (PrepareCommit) just before that transaction commits. If the
// transaction aborts, the worker destroys the task and opens a fresh one from the committed
// state, so a task never has to undo anything.
//
// Thread-safety: a task is driven by exactly one worker thread.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"
#include "kafka/message.h"
#include "kafka/types.h"
#include "runtime/metrics.h"

namespace vw::runtime {

// Sends records into the worker's open transaction. Errors are kafka error classes (errors.h).
class Emitter {
 public:
  virtual ~Emitter() = default;
  virtual Status Emit(std::string_view topic, std::optional<PartitionId> partition,
                      std::string_view key, std::string_view value,
                      const kafka::Headers* headers = nullptr, int64_t timestamp_ms = 0) = 0;
  virtual Status EmitTombstone(std::string_view topic, PartitionId partition,
                               std::string_view key) = 0;
};

class PartitionTask {
 public:
  virtual ~PartitionTask() = default;
  // One input record. Bad input is dead-lettered or counted by the task, never an error: a
  // non-OK Status means the emitter (Kafka) failed and the transaction must be handled.
  virtual Status Process(const kafka::Message& message, Emitter& out, CounterDelta* counters) = 0;
  // The transaction is about to commit with `next_offset` as this partition's next input offset:
  // make state durable at that point and emit its changelog records. Stateless tasks do nothing.
  virtual Status PrepareCommit(KafkaOffset next_offset, Emitter& out) {
    (void)next_offset;
    (void)out;
    return Status::OK();
  }
  // Keys and bytes of state, for /metrics (0 for stateless tasks).
  virtual std::pair<uint64_t, uint64_t> StateSize() { return {0, 0}; }
  // Where the input must be read again from when the task opens, if before the committed offset:
  // state the task rebuilds from its input instead of logging it (the detector stages' reorder
  // buffers). The records from there up to the committed offset go to Refill, not Process.
  virtual std::optional<KafkaOffset> ReplayFrom() const { return std::nullopt; }
  // One record before the committed offset, read again for ReplayFrom: no output, no counters.
  virtual void Refill(const kafka::Message& message) { (void)message; }
};

// The slow part of opening a partition (restoring its state from the changelog), run by the
// worker on its restore thread (runtime/restorer.h) while the worker keeps polling with the
// partition paused, as Kafka Streams restores. Owns everything it touches: it must not use the
// factory's members that the worker thread uses.
class RestoreJob {
 public:
  virtual ~RestoreJob() = default;
  // Returns Cancelled soon (within about 200 ms) after `cancel` is set.
  virtual Status Run(const std::atomic<bool>& cancel) = 0;
};

// Opens tasks for partitions as they are assigned. For stateful stages this is where recovery
// happens: keep the local store if it matches `committed`, else rebuild it from the changelog.
class TaskFactory {
 public:
  virtual ~TaskFactory() = default;
  // `committed`: the group's committed next offset for `tp` (negative: none yet).
  virtual Result<std::unique_ptr<PartitionTask>> Open(const kafka::TopicPartition& tp,
                                                      KafkaOffset committed) = 0;
  // Called before Open: the work Open would do that may take long (a restore), as a job, or
  // nullptr when Open will be quick. Once the job has succeeded, Open(tp, committed) is quick.
  // A rebalance callback must return well within max.poll.interval.ms, so the worker runs the
  // job off its thread.
  virtual Result<std::unique_ptr<RestoreJob>> PrepareOpen(const kafka::TopicPartition& tp,
                                                          KafkaOffset committed) {
    (void)tp;
    (void)committed;
    return std::unique_ptr<RestoreJob>();
  }
  // Called when `tp` is revoked (after its last commit); stateful factories may keep the store on
  // disk for a quick resume if the partition comes back.
  virtual void Closed(const kafka::TopicPartition& tp) { (void)tp; }
};

}  // namespace vw::runtime
