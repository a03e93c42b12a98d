// Consumer: RAII owner of one librdkafka high-level (group) consumer, and GroupMetadata, the
// consumer-group handle a TransactionalProducer needs for EOS v2.
//
// Group membership is eager (range/roundrobin): librdkafka 2.0.2's cooperative-sticky assignor can
// spin (fixed in 2.6.1) and a commit during a cooperative rebalance can lose the assignment (fixed
// in 2.10), so Create rejects "cooperative-sticky". Rebalances are delivered to a RebalanceListener
// from inside Poll, on the polling thread: OnRevoked runs before the partitions are given up (the
// owner commits its open transaction and closes their state there), OnAssigning just before the
// new assignment (it may choose start offsets), OnAssigned after it is in place and before any of
// its messages are returned.
//
// Offsets are never auto-committed: the owner commits them through its transactional producer.
// Thread-safety: one thread drives a Consumer (Poll, Seek, ...); Lag may be read concurrently.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "kafka/message.h"
#include "kafka/types.h"

struct rd_kafka_s;
struct rd_kafka_consumer_group_metadata_s;

namespace vw::kafka {

class GroupMetadata {
 public:
  explicit GroupMetadata(rd_kafka_consumer_group_metadata_s* md);
  rd_kafka_consumer_group_metadata_s* get() const { return md_.get(); }

 private:
  struct Deleter {
    void operator()(rd_kafka_consumer_group_metadata_s* m) const;
  };
  std::unique_ptr<rd_kafka_consumer_group_metadata_s, Deleter> md_;
};

class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Before `partitions` are assigned: an entry put into `*start` makes its partition start there
  // instead of at the group's committed offset (which is what the others do).
  virtual void OnAssigning(const std::vector<TopicPartition>& partitions, OffsetMap* start) {
    (void)partitions;
    (void)start;
  }
  virtual void OnAssigned(const std::vector<TopicPartition>& partitions) = 0;
  virtual void OnRevoked(const std::vector<TopicPartition>& partitions) = 0;
};

class Consumer {
 public:
  // `config` must set bootstrap.servers (and group.id to Subscribe). Applied last, whatever the
  // config says: enable.auto.commit=false, enable.auto.offset.store=false,
  // isolation.level=read_committed.
  static Result<std::unique_ptr<Consumer>> Create(const Config& config);
  ~Consumer();  // leaves the group (Close) if still a member
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Joins the group for `topics`; `listener` (not owned, may be null) must outlive the Consumer.
  Status Subscribe(const std::vector<std::string>& topics, RebalanceListener* listener);
  // Manual assignment without a group, starting at the given offsets (KafkaOffset(-2) = beginning).
  Status Assign(const OffsetMap& start);

  // Appends up to `max` messages to `out`, waiting at most `timeout_ms` for the first one. Runs
  // rebalance callbacks; messages this call fetched before a rebalance are dropped (they belong to
  // the old assignment; a re-assigned partition restarts from its committed offset), and the call
  // returns right after it. Consumer errors that librdkafka recovers from by itself are logged, not
  // returned; a fatal consumer error is kFatal.
  // With enable.partition.eof=true in the config, partitions that reached their end (for
  // read_committed: the last stable offset) are appended to `eof` if given.
  Status Poll(int timeout_ms, size_t max, std::vector<Message>* out,
              std::vector<TopicPartition>* eof = nullptr);

  // The group's committed (next-to-read) offsets; KafkaOffset(-1001) where none is committed.
  Result<OffsetMap> Committed(const std::vector<TopicPartition>& partitions, int timeout_ms);
  // Moves the fetch positions (after an aborted transaction: back to the committed offsets).
  Status Seek(const OffsetMap& offsets, int timeout_ms);
  // Rewinds every assigned partition to its committed offset, or to the start where none is.
  Status SeekToCommitted(int timeout_ms);
  std::vector<TopicPartition> Assignment();
  // Stops / restarts fetching the given assigned partitions (flow control: a reader that holds
  // back one partition's records pauses it). A new assignment starts unpaused.
  Status Pause(const std::vector<TopicPartition>& partitions);
  Status Resume(const std::vector<TopicPartition>& partitions);
  Result<GroupMetadata> Metadata();
  // First offsets with a timestamp >= the given ms per partition. Retries a stale-leader error
  // (librdkafka 2.0.2 does not refresh the leader on it) a few times before giving up.
  Result<OffsetMap> OffsetsForTimes(const OffsetMap& timestamps_ms, int timeout_ms);
  // High watermark (last fetched, cached; no request) minus the current position; -1 if unknown.
  int64_t Lag(const TopicPartition& tp);
  // Commits nothing; leaves the group (running OnRevoked). Idempotent.
  Status Close();

  // Internal: the rebalance callback's entry point.
  void HandleRebalance(int err, void* partitions);

 private:
  explicit Consumer(rd_kafka_s* rk);
  rd_kafka_s* rk_;
  RebalanceListener* listener_ = nullptr;
  bool closed_ = false;
  uint64_t rebalances_ = 0;  // bumped by HandleRebalance: Poll drops messages fetched before one
};

}  // namespace vw::kafka
