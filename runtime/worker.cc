#include "runtime/worker.h"

#include <algorithm>
#include <optional>
#include <thread>

#include "base/logging.h"
#include "kafka/errors.h"

namespace vw::runtime {

using Clock = std::chrono::steady_clock;

namespace {
int64_t MillisSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}
}  // namespace

// Emits into the worker's transaction, beginning it on first use.
class StageWorker::TxnEmitter final : public Emitter {
 public:
  explicit TxnEmitter(StageWorker* w) : w_(w) {}
  Status Emit(std::string_view topic, std::optional<PartitionId> partition, std::string_view key,
              std::string_view value, const kafka::Headers* headers,
              int64_t timestamp_ms) override {
    VW_RETURN_IF_ERROR(w_->EnsureTransaction());
    return w_->producer_->Produce(topic, partition, key, value, headers, timestamp_ms);
  }
  Status EmitTombstone(std::string_view topic, PartitionId partition,
                       std::string_view key) override {
    VW_RETURN_IF_ERROR(w_->EnsureTransaction());
    return w_->producer_->ProduceTombstone(topic, partition, key);
  }

 private:
  StageWorker* w_;
};

StageWorker::StageWorker(WorkerOptions options, TaskFactory* factory, Metrics* metrics)
    : options_(std::move(options)),
      factory_(factory),
      metrics_(metrics),
      emitter_(std::make_unique<TxnEmitter>(this)),
      abort_streak_(options_.aborts) {}

StageWorker::~StageWorker() {
  // Leave the group while every member is still alive (Close runs OnRevoked). Nothing is
  // committed on this path: Run returned with an error, and the open transaction is aborted by
  // the next incarnation's init_transactions (same transactional.id).
  shutting_down_ = true;
  if (consumer_ != nullptr) consumer_->Close().IgnoreError();
}

Status StageWorker::CreateProducer() {
  producer_.reset();  // the old one (if any) first: its destruction purges its queue
  auto p = kafka::TransactionalProducer::Create(options_.producer_config, options_.call_timeout_ms);
  if (!p.ok()) return p.status();
  producer_ = std::move(p).value();
  producer_broken_ = false;
  return Status::OK();
}

Status StageWorker::EnsureTransaction() {
  if (producer_->in_transaction()) return Status::OK();
  VW_RETURN_IF_ERROR(producer_->BeginTransaction());
  txn_started_ = Clock::now();
  return Status::OK();
}

Status StageWorker::BeginOpen(const kafka::TopicPartition& tp, bool* restoring) {
  *restoring = false;
  VW_ASSIGN_OR_RETURN(kafka::OffsetMap committed,
                      consumer_->Committed({tp}, options_.call_timeout_ms));
  const KafkaOffset c = committed.count(tp) ? committed[tp] : KafkaOffset(-1);
  VW_ASSIGN_OR_RETURN(std::unique_ptr<RestoreJob> job, factory_->PrepareOpen(tp, c));
  if (job == nullptr) return OpenTask(tp, c);
  parts_.erase(tp);
  restoring_[tp] = c;
  restorer_->Submit(tp, std::move(job));
  *restoring = true;
  VW_LOG(Info, "restoring state in the background; partition paused until it is done")
      .Field("worker", options_.name)
      .Field("partition", tp.ToString())
      .Field("committed", c.value());
  return Status::OK();
}

Status StageWorker::OpenTask(const kafka::TopicPartition& tp, KafkaOffset c) {
  VW_ASSIGN_OR_RETURN(auto task, factory_->Open(tp, c));
  Part& part = parts_[tp];
  part.task = std::move(task);
  part.next = c;
  part.dirty = false;
  std::optional<KafkaOffset> from = part.task->ReplayFrom();
  part.replay = from && c.value() >= 0 && from->value() < c.value() ? *from : KafkaOffset(-1);
  return Status::OK();
}

// Where an open partition's reading starts: the committed offset, or before it for a task that
// re-reads input to rebuild state; -2 (the beginning) when nothing is committed.
static KafkaOffset StartOffset(KafkaOffset next, KafkaOffset replay) {
  if (replay.value() >= 0) return replay;
  return next.value() >= 0 ? next : KafkaOffset(-2);
}

void StageWorker::OnAssigning(const std::vector<kafka::TopicPartition>& partitions,
                              kafka::OffsetMap* start) {
  // Tasks open before the assignment so that a task re-reading input starts there directly: a
  // seek after assign can race with librdkafka's own fetch of the committed offset.
  for (const auto& tp : partitions) {
    bool restoring = false;
    Status s = BeginOpen(tp, &restoring);
    if (!s.ok()) {
      VW_LOG(Warn, "opening partition task failed; will recover")
          .Field("worker", options_.name)
          .Field("partition", tp.ToString())
          .Field("error", s.ToString());
      needs_recovery_ = true;
      continue;
    }
    if (restoring) {
      // Paused in OnAssigned; rewound to where its task starts when the restore is done.
      const KafkaOffset c = restoring_[tp];
      (*start)[tp] = c.value() >= 0 ? c : KafkaOffset(-2);
      continue;
    }
    const Part& part = parts_[tp];
    if (part.replay.value() >= 0) {
      (*start)[tp] = part.replay;
      VW_LOG(Info, "re-reading input to rebuild state")
          .Field("worker", options_.name)
          .Field("partition", tp.ToString())
          .Field("from", part.replay.value())
          .Field("committed", part.next.value());
    }
  }
}

void StageWorker::OnAssigned(const std::vector<kafka::TopicPartition>& partitions) {
  // A partition paused for alignment before a rebalance must not come back paused (best effort:
  // resuming an unpaused partition is a no-op).
  if (options_.time_key) consumer_->Resume(partitions).IgnoreError();
  std::vector<kafka::TopicPartition> restoring;
  for (const auto& [tp, committed] : restoring_) restoring.push_back(tp);
  Status paused = consumer_->Pause(restoring);
  if (!paused.ok()) {
    VW_LOG(Warn, "pausing partitions being restored failed; will recover")
        .Field("worker", options_.name)
        .Field("error", paused.ToString());
    needs_recovery_ = true;
  }
  metrics_->SetPartitions(options_.name, static_cast<int64_t>(partitions.size()));
  std::string list;
  for (const auto& tp : partitions) list += (list.empty() ? "" : ",") + tp.ToString();
  VW_LOG(Info, "worker assigned")
      .Field("worker", options_.name)
      .Field("count", static_cast<int64_t>(partitions.size()))
      .Field("restoring", static_cast<int64_t>(restoring_.size()))
      .Field("partitions", list);
  ready_.store(true);
  metrics_->SetWorkerReady(options_.name, true);
}

void StageWorker::OnRevoked(const std::vector<kafka::TopicPartition>& partitions) {
  // Eager protocol: every partition goes. Commit what was done for them while we still own them.
  if (!shutting_down_ && producer_ != nullptr && producer_->in_transaction()) {
    Status s = CommitNow();
    if (!s.ok()) {
      VW_LOG(Warn, "commit on revoke failed; the next owner redoes the work from committed offsets")
          .Field("worker", options_.name)
          .Field("error", s.ToString());
      HandleTxnError(s);
    }
  }
  for (const auto& tp : partitions) {
    if (restoring_.erase(tp) > 0) {
      restorer_->Cancel(tp);
      VW_LOG(Info, "restore cancelled: partition revoked")
          .Field("worker", options_.name)
          .Field("partition", tp.ToString());
    }
    parts_.erase(tp);
    held_.erase(tp);  // a new assignment restarts from the committed offsets, unpaused
    factory_->Closed(tp);
  }
  needs_recovery_ = false;  // nothing left to recover; the next assignment opens fresh tasks
  metrics_->SetPartitions(options_.name, 0);
}

Status StageWorker::CommitNow() {
  if (producer_ == nullptr || !producer_->in_transaction()) return Status::OK();
  kafka::OffsetMap offsets;
  for (auto& [tp, part] : parts_) {
    if (!part.dirty) continue;
    VW_RETURN_IF_ERROR(part.task->PrepareCommit(part.next, *emitter_));
    offsets[tp] = part.next;
  }
  auto t0 = Clock::now();
  VW_ASSIGN_OR_RETURN(kafka::GroupMetadata md, consumer_->Metadata());
  // Both calls share one budget; past it the error is handled as abortable (HandleTxnError).
  CallRetry retry(std::chrono::milliseconds(options_.txn_retry_budget_ms));
  for (;;) {
    Status s = producer_->SendOffsetsToTransaction(offsets, md, options_.call_timeout_ms);
    if (s.ok()) break;
    if (!kafka::IsRetriable(s)) return s;
    VW_RETURN_IF_ERROR(WaitToRetry(retry, t0, "send_offsets_to_transaction", s));
  }
  for (;;) {
    Status s = producer_->CommitTransaction(options_.call_timeout_ms);
    if (s.ok()) break;
    if (!kafka::IsRetriable(s)) return s;
    VW_RETURN_IF_ERROR(WaitToRetry(retry, t0, "commit_transaction", s));
  }
  metrics_->ObserveCommit(std::chrono::duration<double>(Clock::now() - t0).count());
  metrics_->AddCommitted(pending_);
  pending_.Clear();
  if (abort_streak_.aborts_in_a_row() > 0) {
    const int aborts = abort_streak_.aborts_in_a_row();
    if (abort_streak_.OnCommit()) {
      VW_LOG(Info, "worker committing again; no longer stuck")
          .Field("worker", options_.name)
          .Field("aborts_in_a_row", static_cast<int64_t>(aborts));
      metrics_->SetWorkerProblem(options_.name, "");
    }
    metrics_->SetAbortsInARow(options_.name, 0);
  }
  for (auto& [tp, part] : parts_) part.dirty = false;
  return Status::OK();
}

void StageWorker::HandleTxnError(const Status& error) {
  pending_.Clear();
  metrics_->CountAbort();
  if (!kafka::IsFatal(error) && producer_ != nullptr && producer_->in_transaction()) {
    auto t0 = Clock::now();
    CallRetry retry(std::chrono::milliseconds(options_.txn_retry_budget_ms));
    for (;;) {
      Status s = producer_->AbortTransaction(options_.call_timeout_ms);
      if (s.ok()) break;
      if (kafka::IsRetriable(s) && WaitToRetry(retry, t0, "abort_transaction", s).ok()) continue;
      VW_LOG(Warn, "abort failed; recreating the producer")
          .Field("worker", options_.name)
          .Field("error", s.ToString());
      producer_broken_ = true;
      break;
    }
  } else if (producer_ != nullptr) {
    producer_broken_ = producer_broken_ || kafka::IsFatal(error) || producer_->in_transaction();
  }
  backoff_ = abort_streak_.OnAbort();
  const auto aborts = static_cast<int64_t>(abort_streak_.aborts_in_a_row());
  metrics_->SetAbortsInARow(options_.name, static_cast<uint64_t>(aborts));
  VW_LOG(Warn, "transaction aborted; rewinding to committed offsets and state")
      .Field("worker", options_.name)
      .Field("error", error.ToString())
      .Field("recreate_producer", producer_broken_)
      .Field("aborts_in_a_row", aborts)
      .Field("retry_in_ms", static_cast<int64_t>(backoff_.count()));
  if (abort_streak_.just_stuck()) {
    // The same work keeps failing: a cause retrying cannot fix. Loud once; /healthz says so
    // until a commit succeeds.
    VW_LOG(Error, "worker stuck: transactions keep aborting with no commit in between")
        .Field("worker", options_.name)
        .Field("aborts_in_a_row", aborts)
        .Field("error", error.ToString());
    metrics_->SetWorkerProblem(
        options_.name,
        "stuck: transactions keep aborting (" + std::to_string(aborts) + " in a row); see the log");
  }
  needs_recovery_ = true;
}

Status StageWorker::Recover() {
  if (producer_broken_ || producer_ == nullptr) {
    metrics_->CountProducerRecreated();
    VW_RETURN_IF_ERROR(CreateProducer());
  }
  // Drop every task (their stores may be ahead of the committed offsets) and reopen from the
  // committed state; then rewind the input to the same offsets. Partitions being restored stay
  // as they are (no transaction touched them).
  std::vector<kafka::TopicPartition> assigned = consumer_->Assignment();
  DropHeld();  // records held for alignment are past the offsets we rewind to
  parts_.clear();
  std::vector<kafka::TopicPartition> to_pause;
  for (const auto& tp : assigned) {
    if (restoring_.count(tp) > 0) continue;
    bool restoring = false;
    VW_RETURN_IF_ERROR(BeginOpen(tp, &restoring));
    if (restoring) to_pause.push_back(tp);
  }
  VW_RETURN_IF_ERROR(consumer_->Pause(to_pause));
  kafka::OffsetMap seek;
  for (const auto& [tp, part] : parts_) seek[tp] = StartOffset(part.next, part.replay);
  VW_RETURN_IF_ERROR(consumer_->Seek(seek, options_.call_timeout_ms));
  needs_recovery_ = false;
  VW_LOG(Info, "recovered")
      .Field("worker", options_.name)
      .Field("partitions", static_cast<int64_t>(parts_.size()));
  return Status::OK();
}

Status StageWorker::FinishRestores() {
  for (auto& [tp, result] : restorer_->TakeFinished()) {
    auto it = restoring_.find(tp);
    if (it == restoring_.end()) continue;  // revoked meanwhile
    const KafkaOffset committed = it->second;
    restoring_.erase(it);
    if (!result.ok()) return result.WithContext("restoring " + tp.ToString());
    VW_RETURN_IF_ERROR(OpenTask(tp, committed));
    const Part& part = parts_[tp];
    // Messages fetched before the pause are discarded by the seek.
    VW_RETURN_IF_ERROR(
        consumer_->Seek({{tp, StartOffset(part.next, part.replay)}}, options_.call_timeout_ms));
    VW_RETURN_IF_ERROR(consumer_->Resume({tp}));
    VW_LOG(Info, "state restored; partition resumed")
        .Field("worker", options_.name)
        .Field("partition", tp.ToString())
        .Field("from", StartOffset(part.next, part.replay).value());
  }
  return Status::OK();
}

void StageWorker::RecoveryFailed(const Status& error) {
  // A partition that cannot be opened (its state cannot be restored to the committed offset, the
  // broker is away) stops the worker's progress: said on /healthz, retried with a growing pause
  // (a restore is not free), until it succeeds.
  ++recovery_failures_;
  backoff_ = std::min<std::chrono::milliseconds>(
      std::chrono::milliseconds(500) * (int64_t{1} << std::min(recovery_failures_ - 1, 6)),
      std::chrono::milliseconds(30000));
  metrics_->SetWorkerProblem(options_.name, "cannot recover: " + error.ToString());
  VW_LOG(Warn, "recovery failed; retrying")
      .Field("worker", options_.name)
      .Field("error", error.ToString())
      .Field("failures_in_a_row", static_cast<int64_t>(recovery_failures_))
      .Field("retry_in_ms", static_cast<int64_t>(backoff_.count()));
  needs_recovery_ = true;
}

Status StageWorker::WaitToRetry(CallRetry& retry, std::chrono::steady_clock::time_point t0,
                                const char* call, const Status& error) {
  std::optional<std::chrono::milliseconds> wait =
      retry.Next(std::chrono::milliseconds(MillisSince(t0)));
  if (!wait) return error;
  VW_LOG(Warn, "retriable error; retrying")
      .Field("worker", options_.name)
      .Field("call", call)
      .Field("error", error.ToString())
      .Field("retry_in_ms", static_cast<int64_t>(wait->count()));
  std::this_thread::sleep_for(*wait);
  return Status::OK();
}

Status StageWorker::ProcessRecord(const kafka::Message& m) {
  auto it = parts_.find({std::string(m.topic()), m.partition()});
  if (it == parts_.end()) return Status::OK();  // not ours any more
  Part& part = it->second;
  if (m.offset().value() < part.next.value()) {
    // Read again to rebuild the task's state (ReplayFrom): done once, outside any transaction.
    if (part.replay.value() >= 0) part.task->Refill(m);
    return Status::OK();
  }
  part.replay = KafkaOffset(-1);
  VW_RETURN_IF_ERROR(EnsureTransaction());
  VW_RETURN_IF_ERROR(part.task->Process(m, *emitter_, &pending_));
  part.next = KafkaOffset(m.offset().value() + 1);
  part.dirty = true;
  // A large batch must not stretch the transaction past the commit interval (latency, and the
  // amount of work an abort throws away). Offsets are tracked per record, so committing
  // mid-batch is exact.
  if ((++since_check_ & 63) == 0 && MillisSince(txn_started_) >= options_.commit_interval_ms) {
    VW_RETURN_IF_ERROR(CommitNow());
  }
  return Status::OK();
}

Status StageWorker::DrainAligned() {
  for (;;) {
    const auto now = Clock::now();
    Held* best = nullptr;
    bool wait = false;
    for (const auto& [tp, part] : parts_) {
      Held& h = held_[tp];
      if (!h.records.empty()) {
        h.empty_since.reset();
        if (best == nullptr || h.records.front().first < best->records.front().first) best = &h;
        continue;
      }
      // Nothing held for tp: its next record may be older than every held one. Wait for it,
      // unless it has reached its end, or has been silent for too long (a stalled partition must
      // not stop the others): records known to exist (lag > 0) are waited for longer than a
      // partition not fetched yet (lag unknown).
      const int64_t lag = consumer_->Lag(tp);
      if (lag == 0) continue;
      if (!h.empty_since) h.empty_since = now;
      const int limit_ms = lag > 0 ? options_.align_max_wait_ms : options_.align_max_idle_ms;
      if (now - *h.empty_since >= std::chrono::milliseconds(limit_ms)) continue;
      wait = true;
    }
    if (wait || best == nullptr) break;
    kafka::Message m = std::move(best->records.front().second);
    best->records.pop_front();
    VW_RETURN_IF_ERROR(ProcessRecord(m));
  }
  // Flow control: a partition that runs ahead is paused until the others catch up.
  std::vector<kafka::TopicPartition> pause, resume;
  for (auto& [tp, h] : held_) {
    if (!h.paused && h.records.size() > options_.align_max_held) {
      pause.push_back(tp);
      h.paused = true;
    } else if (h.paused && h.records.size() <= options_.align_max_held / 2) {
      resume.push_back(tp);
      h.paused = false;
    }
  }
  VW_RETURN_IF_ERROR(consumer_->Pause(pause));
  return consumer_->Resume(resume);
}

void StageWorker::DropHeld() {
  std::vector<kafka::TopicPartition> paused;
  for (auto& [tp, h] : held_) {
    if (h.paused) paused.push_back(tp);
  }
  held_.clear();
  if (consumer_ != nullptr) consumer_->Resume(paused).IgnoreError();  // best effort: re-seeked
}

void StageWorker::PublishGauges() {
  int64_t lag = 0;
  uint64_t keys = 0, bytes = 0;
  for (auto& [tp, part] : parts_) {
    int64_t l = consumer_->Lag(tp);
    if (l > 0) lag += l;
    auto [k, b] = part.task->StateSize();
    keys += k;
    bytes += b;
  }
  metrics_->SetLag(options_.name, lag);
  metrics_->SetStateKeys(options_.name, keys, bytes);
}

Status StageWorker::Run(const std::atomic<bool>& stop) {
  auto c = kafka::Consumer::Create(options_.consumer_config);
  if (!c.ok()) return c.status();
  consumer_ = std::move(c).value();
  // The producer first: init_transactions fences a previous incarnation with the same
  // transactional.id and aborts its open transaction, before we read anything. Retried within
  // txn_retry_budget_ms; then the worker fails, and the pipeline reports it on /healthz and
  // starts it again after a pause (docs/operations.md).
  const auto init_t0 = Clock::now();
  CallRetry init_retry(std::chrono::milliseconds(options_.txn_retry_budget_ms),
                       std::chrono::milliseconds(500), std::chrono::milliseconds(5000));
  for (;;) {
    Status s = CreateProducer();
    if (s.ok()) break;
    if (!kafka::IsRetriable(s) || stop.load()) return s;
    std::optional<std::chrono::milliseconds> wait =
        init_retry.Next(std::chrono::milliseconds(MillisSince(init_t0)));
    if (!wait) {
      return s.WithContext("init_transactions still failing after " +
                           std::to_string(init_retry.attempts()) + " attempts");
    }
    VW_LOG(Warn, "producer init failed; retrying")
        .Field("worker", options_.name)
        .Field("error", s.ToString())
        .Field("retry_in_ms", static_cast<int64_t>(wait->count()));
    for (auto until = Clock::now() + *wait; Clock::now() < until && !stop.load();) {
      std::this_thread::sleep_for(
          std::min<Clock::duration>(std::chrono::milliseconds(50), until - Clock::now()));
    }
  }
  VW_RETURN_IF_ERROR(consumer_->Subscribe({options_.input_topic}, this));
  VW_LOG(Info, "worker started")
      .Field("worker", options_.name)
      .Field("input", options_.input_topic);

  std::vector<kafka::Message> batch;
  auto last_gauges = Clock::now();
  while (!stop.load()) {
    if (needs_recovery_ || producer_broken_) {
      // Aborts in a row back off (AbortStreak); a stop request cuts the wait short.
      for (auto until = Clock::now() + backoff_; Clock::now() < until && !stop.load();) {
        std::this_thread::sleep_for(
            std::min<Clock::duration>(std::chrono::milliseconds(50), until - Clock::now()));
      }
      backoff_ = std::chrono::milliseconds(0);
      if (stop.load()) break;
      Status s = Recover();
      if (!s.ok()) {
        RecoveryFailed(s);
        continue;
      }
    }
    if (Status s = FinishRestores(); !s.ok()) {
      // The other partitions' work so far is committed first: Recover drops every task.
      Status committed = CommitNow();
      if (!committed.ok()) HandleTxnError(committed);
      RecoveryFailed(s);
      continue;
    }
    if (recovery_failures_ > 0 && restoring_.empty()) {
      recovery_failures_ = 0;
      if (!abort_streak_.stuck()) metrics_->SetWorkerProblem(options_.name, "");
    }
    batch.clear();
    int wait = 50;
    if (producer_->in_transaction()) {
      int64_t left = options_.commit_interval_ms - MillisSince(txn_started_);
      wait = static_cast<int>(std::clamp<int64_t>(left, 0, 50));
    }
    Status s = consumer_->Poll(wait, options_.max_poll_records, &batch);
    if (!s.ok()) return s;          // a fatal consumer error: let the supervisor restart us
    if (needs_recovery_) continue;  // a rebalance callback failed to open a task
    if (options_.time_key) {
      for (auto& m : batch) {
        kafka::TopicPartition tp{std::string(m.topic()), m.partition()};
        if (parts_.count(tp) == 0) continue;  // not ours any more
        int64_t key = options_.time_key(m);
        held_[tp].records.emplace_back(key, std::move(m));
      }
      batch.clear();
      s = DrainAligned();
    } else {
      for (const auto& m : batch) {
        s = ProcessRecord(m);
        if (!s.ok()) break;
      }
    }
    if (s.ok() && producer_->in_transaction() &&
        MillisSince(txn_started_) >= options_.commit_interval_ms) {
      s = CommitNow();
    }
    if (!s.ok()) {
      HandleTxnError(s);
      continue;
    }
    if (MillisSince(last_gauges) > 1000) {
      PublishGauges();
      last_gauges = Clock::now();
    }
  }
  // Clean shutdown (SIGTERM): commit the open transaction, then leave the group.
  Status s = CommitNow();
  if (!s.ok()) HandleTxnError(s);
  held_.clear();
  Status closed = consumer_->Close();
  parts_.clear();
  metrics_->SetWorkerReady(options_.name, false);
  VW_LOG(Info, "worker stopped").Field("worker", options_.name);
  return closed;
}

}  // namespace vw::runtime
