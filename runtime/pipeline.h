// Pipeline: the wiring behind `vaultwatch run`. Creates the topics (with their configured
// partition counts, if missing; changelogs compacted), starts the HTTP endpoint, and runs
// `threads_per_stage` StageWorkers per configured stage, each on its own thread, until stopped.
//
// Stages: "ingest" (kv.audit.raw -> by-vault/by-caller/deadletter), "vault" and "caller" (the
// detectors over kv.events.by-vault / by-caller -> kv.alerts, state per input partition with a
// changelog). Each stage is one consumer group "<application_id>.<stage>", so instances of one
// deployment share partitions.
//
// Start-up stops with an error naming the file and setting when something a stage needs is
// missing (CheckPipelineInputs), before any consumer group is joined. A worker that fails later
// with an unrecoverable error is restarted (after a pause) on its thread; /healthz reports
// unhealthy meanwhile. Owns its workers, metrics and HTTP server.
// Thread-safety: Run on one thread; stop it from any thread (or a signal) through the flag.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "base/result.h"
#include "runtime/config.h"
#include "runtime/http_server.h"
#include "runtime/metrics.h"

namespace vw::runtime {

// Validates `config` and everything its stages need before they start (detector config,
// threat-intel lists, pseudonymisation key), without Kafka: what Run checks first and what
// `vaultwatch run --check-config` reports. Appends resolved settings to `effective` if given.
Status CheckPipelineInputs(const PipelineConfig& config, std::string* effective = nullptr);

class Pipeline {
 public:
  explicit Pipeline(PipelineConfig config);
  ~Pipeline();
  // Blocks until `stop` is set; then commits, leaves the groups and returns. An error only if
  // start-up fails (bad config, broker unreachable for topic creation, port taken).
  Status Run(const std::atomic<bool>& stop);
  const Metrics& metrics() const { return metrics_; }
  // The HTTP port actually bound (after Run has started it), 0 if none.
  int http_port() const { return http_port_.load(); }

 private:
  // Cancelled when `stop` is set while waiting for the brokers (e.g. SIGTERM during a failing
  // start-up: bad credentials, unreachable brokers).
  Status CreateTopics(const std::atomic<bool>& stop);
  PipelineConfig config_;
  Metrics metrics_;
  std::unique_ptr<HttpServer> http_;
  std::atomic<int> http_port_{0};
};

}  // namespace vw::runtime
