// StageWorker: one consumer thread of a stage, running the exactly-once loop (Kafka Streams EOS
// v2): its own read_committed consumer in the stage's group and its own transactional producer;
// every commit interval, the tasks' outputs, their changelog records and the input offsets
// (send_offsets_to_transaction with the consumer group metadata) commit as one transaction.
//
// Errors, by librdkafka class: retriable -> retry the call (bounded); abortable -> abort, drop the
// tasks, reopen them from committed state (changelog) and rewind the input to the committed
// offsets (backing off, and reported stuck, when aborts repeat with no commit: AbortStreak); fatal
// (fenced, or 2.0.2's fatal idempotence sequence error after a timeout) -> destroy the producer,
// create a new one (which fences and aborts the old transaction), then the same recovery.
// Rebalances (eager assignor) commit the open transaction before partitions are given up and open
// tasks for partitions received. A partition whose state must be restored first (TaskFactory::
// PrepareOpen) is assigned paused and restored on the worker's restore thread (Restorer) while
// the worker goes on polling and processing its other partitions, so that a long restore never
// holds a rebalance callback (and the group) past max.poll.interval.ms; when the restore ends the
// task opens, the partition is rewound to where the task starts and resumed. A revocation
// cancels a restore in progress.
//
// Owns its consumer, producer and tasks; the TaskFactory and Metrics are borrowed.
// Thread-safety: Run() executes on one thread; ready()/failed() may be read from others.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "runtime/abort_streak.h"
#include "runtime/metrics.h"
#include "runtime/restorer.h"
#include "runtime/task.h"

namespace vw::runtime {

struct WorkerOptions {
  std::string name;  // "<stage>/<thread>", for logs and metrics
  std::string input_topic;
  kafka::Config consumer_config;  // with group.id
  kafka::Config producer_config;  // with transactional.id (stable across restarts)
  int commit_interval_ms = 100;
  size_t max_poll_records = 1000;
  // Bound on retrying a retriable commit/abort before treating it as abortable.
  int txn_retry_budget_ms = 60000;
  // Timeout of each blocking Kafka call (commit, send_offsets, abort, committed offsets, seek);
  // a call that times out is retriable.
  int call_timeout_ms = 30000;
  // Transactions that keep aborting: backoff before redoing the work, and when the worker counts
  // as stuck (unhealthy). See abort_streak.h.
  AbortStreak::Options aborts;
  // Event-time alignment of the assigned partitions (Kafka Streams' way), when set: records are
  // held per partition and the one whose head has the smallest `time_key` is processed next; a
  // partition with nothing held is waited for unless it has reached its end: at most
  // `align_max_wait_ms` while it is known to have more records (lag > 0), `align_max_idle_ms`
  // while that is unknown (not fetched yet). A partition holding more than `align_max_held`
  // records is paused.
  std::function<int64_t(const kafka::Message&)> time_key;
  int align_max_idle_ms = 2000;
  int align_max_wait_ms = 10000;
  size_t align_max_held = 2000;
};

class StageWorker final : public kafka::RebalanceListener {
 public:
  StageWorker(WorkerOptions options, TaskFactory* factory, Metrics* metrics);
  ~StageWorker() override;

  // Runs until `stop` is set (then commits, leaves the group and returns OK) or an
  // unrecoverable error (returned).
  Status Run(const std::atomic<bool>& stop);
  bool ready() const { return ready_.load(); }

  void OnAssigning(const std::vector<kafka::TopicPartition>& partitions,
                   kafka::OffsetMap* start) override;
  void OnAssigned(const std::vector<kafka::TopicPartition>& partitions) override;
  void OnRevoked(const std::vector<kafka::TopicPartition>& partitions) override;

 private:
  struct Part {
    std::unique_ptr<PartitionTask> task;
    KafkaOffset next{-1};
    bool dirty = false;  // processed records in the open transaction
    // Records before `next` read again for the task (PartitionTask::ReplayFrom), from `replay`.
    KafkaOffset replay{-1};
  };
  class TxnEmitter;

  Status CreateProducer();
  Status EnsureTransaction();
  Status CommitNow();
  // Aborts (or recreates the producer) after `error` and schedules recovery.
  void HandleTxnError(const Status& error);
  Status Recover();
  // Opens tp's task, or (when its state must be restored first) hands the restore to the restore
  // thread and sets *restoring; the caller pauses such a partition.
  Status BeginOpen(const kafka::TopicPartition& tp, bool* restoring);
  Status OpenTask(const kafka::TopicPartition& tp, KafkaOffset committed);
  // Opens the tasks of partitions whose restore ended, rewinds and resumes them. An error means
  // a restore failed: handled as a failed recovery.
  Status FinishRestores();
  // A recovery step failed: report it, back off, and recover again.
  void RecoveryFailed(const Status& error);
  // One input record through its partition's task (and a mid-batch commit when the interval
  // passed).
  Status ProcessRecord(const kafka::Message& m);
  // After a retriable failure of `call` (first attempted at `t0`): waits as `retry` says and
  // returns OK to try again, or returns `error` once the budget is spent.
  Status WaitToRetry(CallRetry& retry, std::chrono::steady_clock::time_point t0, const char* call,
                     const Status& error);
  // Event-time alignment (WorkerOptions::time_key): processes held records in time order for
  // as long as every partition either has a record held or may be skipped.
  Status DrainAligned();
  void DropHeld();
  void PublishGauges();

  WorkerOptions options_;
  TaskFactory* factory_;
  Metrics* metrics_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<kafka::TransactionalProducer> producer_;
  std::unique_ptr<TxnEmitter> emitter_;
  std::map<kafka::TopicPartition, Part> parts_;
  // Partitions assigned and paused while their state is restored, with their committed offset.
  std::map<kafka::TopicPartition, KafkaOffset> restoring_;
  std::unique_ptr<Restorer> restorer_ = std::make_unique<Restorer>();
  struct Held {
    std::deque<std::pair<int64_t, kafka::Message>> records;  // (time key, record)
    std::optional<std::chrono::steady_clock::time_point> empty_since;
    bool paused = false;
  };
  std::map<kafka::TopicPartition, Held> held_;  // after consumer_: its records die first
  CounterDelta pending_;
  AbortStreak abort_streak_;
  std::chrono::milliseconds backoff_{0};  // before the next recovery
  int recovery_failures_ = 0;             // Recover() calls failed in a row
  bool needs_recovery_ = false;
  bool producer_broken_ = false;
  bool shutting_down_ = false;  // destructor running: revoke without committing
  uint64_t since_check_ = 0;    // records since the last commit-interval check
  std::chrono::steady_clock::time_point txn_started_;
  std::atomic<bool> ready_{false};
};

}  // namespace vw::runtime
