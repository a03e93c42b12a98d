#include "runtime/changelog_restore.h"

#include <chrono>
#include <optional>
#include <vector>

#include "kafka/consumer.h"

namespace vw::runtime {

Status RestoreChangelog(const kafka::Config& consumer_config,
                        const kafka::TopicPartition& changelog, state::StateStore* store,
                        const std::atomic<bool>* cancel, RestoreStats* stats,
                        int stall_timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  kafka::Config cc = consumer_config;
  cc["enable.partition.eof"] = "true";
  cc["fetch.wait.max.ms"] = "10";
  // A worker runs a few restores beside its live consumer: bound each one's prefetch queue
  // (librdkafka's default is 64 MB).
  cc["queued.max.messages.kbytes"] = "16384";
  // Manual assignment, nothing committed; librdkafka 2.0.2 still insists on a group.id.
  cc["group.id"] = changelog.topic + ".restore";
  VW_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Create(cc));
  VW_RETURN_IF_ERROR(consumer->Assign({{changelog, KafkaOffset(-2)}}));
  RestoreStats local;
  std::vector<kafka::Message> batch;
  std::vector<kafka::TopicPartition> eof;
  auto last_progress = Clock::now();
  for (;;) {
    if (cancel != nullptr && cancel->load()) {
      return Status::Cancelled("restore of " + changelog.ToString() + " cancelled");
    }
    batch.clear();
    VW_RETURN_IF_ERROR(consumer->Poll(200, 10000, &batch, &eof));
    const auto apply_start = Clock::now();
    for (const auto& m : batch) {
      VW_RETURN_IF_ERROR(store->ApplyChangelog(
          m.key(), m.value_is_null() ? std::nullopt : std::optional<std::string_view>(m.value())));
      ++local.records;
      local.bytes += m.key().size() + m.value().size();
    }
    local.apply_seconds += std::chrono::duration<double>(Clock::now() - apply_start).count();
    if (!eof.empty()) break;
    if (!batch.empty()) last_progress = Clock::now();
    if (Clock::now() - last_progress > std::chrono::milliseconds(stall_timeout_ms)) {
      return Status::Unavailable("restore of " + changelog.ToString() + " made no progress for " +
                                 std::to_string(stall_timeout_ms / 1000) + " s");
    }
  }
  const auto finish_start = Clock::now();
  VW_RETURN_IF_ERROR(store->FinishRestore());
  local.apply_seconds += std::chrono::duration<double>(Clock::now() - finish_start).count();
  local.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (stats != nullptr) *stats = local;
  return Status::OK();
}

}  // namespace vw::runtime
