// Shared by the pipeline benchmarks (pipeline_bench, live_latency_bench): a run's topics and
// state are removed when it ends, and percentiles of a sorted sample. Header-only.
#pragma once

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "kafka/admin.h"
#include "runtime/config.h"

namespace vw::bench {

// Deletes the run's topics and state directory when it goes out of scope, unless `keep`.
class RunCleanup {
 public:
  RunCleanup(const runtime::PipelineConfig& c, bool keep) : config_(c), keep_(keep) {}
  ~RunCleanup() {
    if (keep_) {
      std::printf("kept: topics %s.* and state %s\n", config_.application_id.c_str(),
                  config_.state_dir.c_str());
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(config_.state_dir, ec);
    auto admin = kafka::Admin::Create({{"bootstrap.servers", config_.bootstrap_servers}});
    if (!admin.ok()) return;
    std::vector<std::string> topics = {config_.raw.name,        config_.by_vault.name,
                                       config_.by_caller.name,  config_.alerts.name,
                                       config_.deadletter.name, config_.feedback.name};
    for (const char* stage : {"vault", "caller"}) topics.push_back(config_.ChangelogTopic(stage));
    Status s = (*admin)->DeleteTopics(topics, 30000);
    if (!s.ok()) std::fprintf(stderr, "deleting the run's topics: %s\n", s.ToString().c_str());
  }
  RunCleanup(const RunCleanup&) = delete;
  RunCleanup& operator=(const RunCleanup&) = delete;

 private:
  const runtime::PipelineConfig& config_;
  bool keep_;
};

// The q-quantile of a sorted, non-empty sample (nearest rank).
inline double Percentile(const std::vector<double>& sorted, double q) {
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()))];
}

}  // namespace vw::bench
