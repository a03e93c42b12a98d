#include "runtime/metrics.h"

#include <sstream>

namespace vw::runtime {

void Metrics::AddCommitted(const CounterDelta& d) {
  events_in_.fetch_add(d.events_in);
  accepted_.fetch_add(d.accepted);
  deadlettered_.fetch_add(d.deadlettered);
  skipped_.fetch_add(d.skipped);
  events_detected_.fetch_add(d.events_detected);
  late_dropped_.fetch_add(d.late_dropped);
  end_of_input_flushes_.fetch_add(d.end_of_input_flushes);
  if (d.alerts_by_type.empty() && d.suppressed_by_type.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [type, n] : d.alerts_by_type) alerts_by_type_[type] += n;
  for (const auto& [type, n] : d.suppressed_by_type) suppressed_by_type_[type] += n;
}

void Metrics::CountVerdict(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ++verdicts_[kind];
}

uint64_t Metrics::suppressed_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const auto& [t, c] : suppressed_by_type_) n += c;
  return n;
}

void Metrics::ObserveCommit(double seconds) {
  commits_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++commit_buckets_[i];
  }
  ++commit_count_;
  commit_sum_ += seconds;
}

double Metrics::commit_seconds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return commit_sum_;
}

void Metrics::SetLag(const std::string& worker, int64_t lag) {
  std::lock_guard<std::mutex> lock(mu_);
  lag_[worker] = lag;
}

void Metrics::SetStateKeys(const std::string& worker, uint64_t keys, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  state_[worker] = {keys, bytes};
}

void Metrics::SetPartitions(const std::string& worker, int64_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  partitions_[worker] = count;
}

void Metrics::SetExpectedWorkers(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  expected_workers_ = n;
  if (n == 0) worker_ready_.clear();
}

void Metrics::SetWorkerReady(const std::string& worker, bool ready) {
  std::lock_guard<std::mutex> lock(mu_);
  worker_ready_[worker] = ready;
}

void Metrics::SetWorkerProblem(const std::string& worker, const std::string& problem) {
  std::lock_guard<std::mutex> lock(mu_);
  if (problem.empty()) {
    problems_.erase(worker);
  } else {
    problems_[worker] = problem;
  }
}

bool Metrics::healthy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return problems_.empty();
}

std::string Metrics::HealthReport() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (problems_.empty()) return "ok\n";
  std::string out;
  for (const auto& [w, p] : problems_) out += w + ": " + p + "\n";
  return out;
}

void Metrics::SetAbortsInARow(const std::string& worker, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  aborts_in_a_row_[worker] = n;
}

bool Metrics::ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (expected_workers_ == 0) return false;
  int n = 0;
  for (const auto& [w, r] : worker_ready_) n += r ? 1 : 0;
  return n >= expected_workers_;
}

uint64_t Metrics::alerts_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const auto& [t, c] : alerts_by_type_) n += c;
  return n;
}

std::string Metrics::RenderPrometheus() const {
  std::ostringstream o;
  auto counter = [&o](const char* name, const char* help, uint64_t v) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n"
      << name << ' ' << v << '\n';
  };
  counter("vaultwatch_events_in_total", "Raw records read by the ingest stage (committed).",
          events_in_.load());
  counter("vaultwatch_events_accepted_total", "Records normalised into events (committed).",
          accepted_.load());
  counter("vaultwatch_events_deadlettered_total",
          "Records sent to the dead-letter topic (committed).", deadlettered_.load());
  counter("vaultwatch_events_skipped_total",
          "Records of other categories than AuditEvent (committed).", skipped_.load());
  counter("vaultwatch_events_detected_total",
          "Events processed by the detector stages (committed).", events_detected_.load());
  counter("vaultwatch_events_late_total", "Events later than the allowed lateness (committed).",
          late_dropped_.load());
  counter("vaultwatch_end_of_input_flushes_total",
          "Detector partitions that closed every window at an end-of-input marker (committed).",
          end_of_input_flushes_.load());
  counter("vaultwatch_transactions_committed_total", "Kafka transactions committed.",
          commits_.load());
  counter("vaultwatch_transactions_aborted_total",
          "Kafka transactions aborted (input rewound, state restored).", aborts_.load());
  counter("vaultwatch_producer_recreations_total",
          "Transactional producers recreated after a fatal error.", producer_recreations_.load());
  counter("vaultwatch_state_restores_total", "State stores rebuilt from their changelog.",
          restores_.load());
  counter("vaultwatch_state_restored_records_total", "Changelog records applied by restores.",
          restored_records_.load());
  const bool is_ready = ready();
  std::lock_guard<std::mutex> lock(mu_);
  o << "# HELP vaultwatch_alerts_total Alerts published (committed), by type.\n"
       "# TYPE vaultwatch_alerts_total counter\n";
  for (const auto& [type, n] : alerts_by_type_) {
    o << "vaultwatch_alerts_total{type=\"" << type << "\"} " << n << '\n';
  }
  o << "# HELP vaultwatch_alerts_suppressed_total Alerts not published because of an analyst's "
       "benign verdict (committed), by type.\n"
       "# TYPE vaultwatch_alerts_suppressed_total counter\n";
  for (const auto& [type, n] : suppressed_by_type_) {
    o << "vaultwatch_alerts_suppressed_total{type=\"" << type << "\"} " << n << '\n';
  }
  o << "# HELP vaultwatch_feedback_verdicts_total Analyst verdicts read from the feedback topic, "
       "by verdict (bad = unreadable line).\n"
       "# TYPE vaultwatch_feedback_verdicts_total counter\n";
  for (const auto& [kind, n] : verdicts_) {
    o << "vaultwatch_feedback_verdicts_total{verdict=\"" << kind << "\"} " << n << '\n';
  }
  o << "# HELP vaultwatch_suppressions_active Suppressions from benign verdicts in force (not "
       "expired at the newest alert's time).\n"
       "# TYPE vaultwatch_suppressions_active gauge\nvaultwatch_suppressions_active "
    << suppressions_active_.load() << '\n';
  o << "# HELP vaultwatch_commit_latency_seconds Time to commit one transaction (offsets + "
       "commit).\n"
       "# TYPE vaultwatch_commit_latency_seconds histogram\n";
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    o << "vaultwatch_commit_latency_seconds_bucket{le=\"" << kBuckets[i] << "\"} "
      << commit_buckets_[i] << '\n';
  }
  o << "vaultwatch_commit_latency_seconds_bucket{le=\"+Inf\"} " << commit_count_ << '\n'
    << "vaultwatch_commit_latency_seconds_sum " << commit_sum_ << '\n'
    << "vaultwatch_commit_latency_seconds_count " << commit_count_ << '\n';
  o << "# HELP vaultwatch_consumer_lag Records behind the end of the input, per worker.\n"
       "# TYPE vaultwatch_consumer_lag gauge\n";
  for (const auto& [w, lag] : lag_)
    o << "vaultwatch_consumer_lag{worker=\"" << w << "\"} " << lag << '\n';
  o << "# HELP vaultwatch_assigned_partitions Input partitions owned, per worker.\n"
       "# TYPE vaultwatch_assigned_partitions gauge\n";
  for (const auto& [w, n] : partitions_)
    o << "vaultwatch_assigned_partitions{worker=\"" << w << "\"} " << n << '\n';
  o << "# HELP vaultwatch_state_keys Estimated keys in the RocksDB stores, per worker.\n"
       "# TYPE vaultwatch_state_keys gauge\n";
  for (const auto& [w, s] : state_)
    o << "vaultwatch_state_keys{worker=\"" << w << "\"} " << s.first << '\n';
  o << "# HELP vaultwatch_state_bytes Bytes of live SST files in the RocksDB stores, per worker.\n"
       "# TYPE vaultwatch_state_bytes gauge\n";
  for (const auto& [w, s] : state_)
    o << "vaultwatch_state_bytes{worker=\"" << w << "\"} " << s.second << '\n';
  o << "# HELP vaultwatch_transactions_aborted_in_a_row Transactions aborted since the worker's "
       "last commit; growing means stuck.\n"
       "# TYPE vaultwatch_transactions_aborted_in_a_row gauge\n";
  for (const auto& [w, n] : aborts_in_a_row_)
    o << "vaultwatch_transactions_aborted_in_a_row{worker=\"" << w << "\"} " << n << '\n';
  o << "# HELP vaultwatch_healthy 1 when no worker is unhealthy (what /healthz answers).\n"
       "# TYPE vaultwatch_healthy gauge\nvaultwatch_healthy "
    << (problems_.empty() ? 1 : 0) << '\n';
  o << "# HELP vaultwatch_ready 1 when every stage has joined its group and initialised its "
       "producer.\n"
       "# TYPE vaultwatch_ready gauge\nvaultwatch_ready "
    << (is_ready ? 1 : 0) << '\n';
  return o.str();
}

}  // namespace vw::runtime
