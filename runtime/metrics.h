// Metrics: the pipeline's counters and gauges, rendered as Prometheus text for /metrics.
//
// Counters move only when a transaction commits (workers add their per-transaction deltas after a
// successful commit), so they count what is durably done: an aborted or replayed batch is never
// counted twice, and `events_in == accepted + deadlettered + skipped` holds at every scrape.
//
// Thread-safety: every method is safe to call from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace vw::runtime {

// Per-transaction deltas a worker accumulates, added to Metrics on commit.
struct CounterDelta {
  uint64_t events_in = 0, accepted = 0, deadlettered = 0, skipped = 0;
  uint64_t events_detected = 0, late_dropped = 0;
  // Detector partitions that flushed their engine at an end-of-input marker (runtime/control.h).
  uint64_t end_of_input_flushes = 0;
  std::map<std::string, uint64_t> alerts_by_type;
  // Alerts an analyst's benign verdict suppressed (not published), by type.
  std::map<std::string, uint64_t> suppressed_by_type;
  void Clear() { *this = CounterDelta(); }
};

class Metrics {
 public:
  void AddCommitted(const CounterDelta& d);
  // A committed transaction and how long commit (send_offsets + commit_transaction) took.
  void ObserveCommit(double seconds);
  void CountAbort() { aborts_.fetch_add(1); }
  void CountProducerRecreated() { producer_recreations_.fetch_add(1); }
  void CountRestore(uint64_t records) {
    restores_.fetch_add(1);
    restored_records_.fetch_add(records);
  }
  // Analyst feedback (FeedbackTracker): verdicts read from the feedback topic by kind
  // ("benign", "true_positive", "bad"), and the suppressions currently in force.
  void CountVerdict(const std::string& kind);
  void SetSuppressionsActive(int64_t n) { suppressions_active_.store(n); }
  // Gauges set by each worker ("<stage>/<thread>") for the partitions it owns.
  void SetLag(const std::string& worker, int64_t lag);
  void SetStateKeys(const std::string& worker, uint64_t keys, uint64_t bytes);
  void SetPartitions(const std::string& worker, int64_t count);

  // Ready: every expected worker has joined its group (received its first assignment, possibly
  // empty) with an initialised transactional producer.
  void SetExpectedWorkers(int n);
  void SetWorkerReady(const std::string& worker, bool ready);
  bool ready() const;
  // Health, per worker: a worker is unhealthy while it has a problem, e.g. restarting after a
  // failure, or stuck (transactions keep aborting with no commit in between: a cause the worker
  // cannot retry its way out of, like a record the broker refuses). /healthz answers 503 while any
  // worker is unhealthy, so an orchestrator's liveness probe or an operator sees a loop that logs
  // and metrics alone would leave running. An empty `problem` clears it.
  void SetWorkerProblem(const std::string& worker, const std::string& problem);
  bool healthy() const;
  // "ok\n", or one line per unhealthy worker: "<worker>: <problem>\n".
  std::string HealthReport() const;
  // Transactions aborted since the worker's last successful commit (0 after one commits).
  void SetAbortsInARow(const std::string& worker, uint64_t n);

  std::string RenderPrometheus() const;

  // Snapshot accessors (tests, benchmarks).
  uint64_t events_in() const { return events_in_.load(); }
  uint64_t accepted() const { return accepted_.load(); }
  uint64_t events_detected() const { return events_detected_.load(); }
  uint64_t end_of_input_flushes() const { return end_of_input_flushes_.load(); }
  uint64_t alerts_total() const;
  uint64_t commits() const { return commits_.load(); }
  // Seconds spent committing, summed over every committed transaction.
  double commit_seconds() const;
  uint64_t suppressed_total() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,   10.0};
  std::atomic<uint64_t> events_in_{0}, accepted_{0}, deadlettered_{0}, skipped_{0};
  std::atomic<uint64_t> events_detected_{0}, late_dropped_{0}, end_of_input_flushes_{0};
  std::atomic<uint64_t> commits_{0}, aborts_{0}, producer_recreations_{0};
  std::atomic<uint64_t> restores_{0}, restored_records_{0};
  std::atomic<int64_t> suppressions_active_{0};
  int expected_workers_ = 0;
  std::map<std::string, bool> worker_ready_;
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> alerts_by_type_;
  std::map<std::string, uint64_t> suppressed_by_type_;
  std::map<std::string, uint64_t> verdicts_;
  std::array<uint64_t, kBuckets.size()> commit_buckets_{};
  uint64_t commit_count_ = 0;
  double commit_sum_ = 0;
  std::map<std::string, int64_t> lag_;
  std::map<std::string, std::pair<uint64_t, uint64_t>> state_;
  std::map<std::string, int64_t> partitions_;
  std::map<std::string, std::string> problems_;  // unhealthy workers only
  std::map<std::string, uint64_t> aborts_in_a_row_;
};

}  // namespace vw::runtime
