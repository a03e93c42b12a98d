// FeedbackTracker: analyst feedback for the detector stages (docs/feedback.md). One per
// process that runs a detector stage: a thread with its own read_committed consumer (manual
// assignment of every partition of the alerts topic and of the feedback topic, from the
// beginning; no group, nothing committed) feeds a alerts::AlertFilter: alerts so that a
// verdict can be resolved to the alert's type and entities, verdicts so that benign ones become
// scoped suppressions. After every batch that changed the suppressions it publishes an immutable
// snapshot of them, which the detect workers consult before producing an alert (Suppressed): the
// hot path takes a mutex only to copy a shared_ptr and never waits on Kafka.
//
// Semantics: in a live run a verdict applies from the moment the tracker reads it (alerts the
// detectors produce afterwards, whose TimeGenerated is in [time, expires)); a restarted process
// rebuilds the tracker by reading both topics from the start before its workers start
// (WaitUntilCaughtUp), so a replay applies every verdict by event time. The cost of that rebuild
// is one read of kv.alerts and kv.feedback per restart (about 100k alerts/s of JSON parsing).
//
// Thread-safety: Start/Stop from the owner's thread; Snapshot/Suppressed from any thread.
// Failure: a broken consumer is recreated and the filter rebuilt from the start (the previous
// snapshot stays in force meanwhile); bad lines are counted and logged by position, not content.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert_record.h"
#include "alerts/suppression.h"
#include "base/result.h"
#include "kafka/consumer.h"
#include "kafka/types.h"
#include "runtime/metrics.h"

namespace vw::runtime {

struct FeedbackTrackerOptions {
  kafka::Config consumer_config;  // bootstrap.servers, security; group.id is set here
  std::string alerts_topic, feedback_topic;
  int alerts_partitions = 1, feedback_partitions = 1;
  std::string name = "feedback";  // for logs
};

using SuppressionSnapshot = std::shared_ptr<const std::vector<alerts::Suppression>>;

using alerts::IsSuppressed;

class FeedbackTracker {
 public:
  FeedbackTracker(FeedbackTrackerOptions options, Metrics* metrics);
  ~FeedbackTracker();  // Stop()
  FeedbackTracker(const FeedbackTracker&) = delete;
  FeedbackTracker& operator=(const FeedbackTracker&) = delete;

  // The partition counts actually found (an existing topic keeps its own); before Start.
  void SetPartitions(int alerts_partitions, int feedback_partitions) {
    options_.alerts_partitions = alerts_partitions;
    options_.feedback_partitions = feedback_partitions;
  }
  // Starts the thread (returns once the consumer is created and assigned).
  Status Start();
  void Stop();
  // Blocks until both topics were read to their end (last stable offset) once, or `stop` is set.
  // Returns false when stopped first.
  bool WaitUntilCaughtUp(const std::atomic<bool>& stop);

  // The current suppressions (never null).
  SuppressionSnapshot Snapshot() const;

 private:
  Status Connect();
  void Loop();
  void Publish(bool force);

  FeedbackTrackerOptions options_;
  Metrics* metrics_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<alerts::AlertFilter> filter_;
  std::map<int32_t, int64_t> verdicts_counted_;  // feedback partition -> next offset counted
  size_t published_count_ = 0;
  int64_t newest_alert_us_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable caught_up_cv_;
  bool caught_up_ = false;
  SuppressionSnapshot snapshot_;
};

}  // namespace vw::runtime
