// The detector stages: "vault" (kv.events.by-vault) and "caller" (kv.events.by-caller) ->
// kv.alerts (one Defender-shaped JSON alert per record, key = SystemAlertId).
//
// Each input partition gets a task owning a RocksDB StateStore (state_dir/<application_id>/
// <instance_id>/<stage>/<partition>) and a detect::Engine over it. The store's changelog goes to
// "<application_id>-<stage>-changelog" (compacted, same partition number) in the same Kafka
// transaction as the alerts and the input offsets. On assignment the recovery rule of
// docs/state.md applies: a local store whose last commit equals the group's committed offset is
// kept (no replay, no restore); otherwise it is destroyed and rebuilt from the changelog, up to
// its last stable offset. Either way the engine resumes exactly at the committed offset.
//
// One factory per worker thread: it owns the DetectConfig and the threat-intel lists its
// engines share (not thread-safe, hence per thread).
//
// Privacy and feedback duties, per process (DetectShared, shared by every detector worker):
// pseudonymisation (runtime/privacy.h: `state` sets each engine's event transform, `alerts`
// rewrites each alert before AlertJson) and analyst feedback (runtime/feedback_tracker.h: an alert
// under a benign verdict's suppression is not produced to kv.alerts; counted at commit).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "base/result.h"
#include "runtime/config.h"
#include "runtime/metrics.h"
#include "runtime/task.h"

namespace vw::runtime {

enum class DetectStage { kVault, kCaller };

// What the detector workers of one process share: the pseudonymiser and the feedback tracker.
// Opaque here so that the runtime compiles without alerts/ when the build has no detectors.
class DetectShared;
struct DetectSharedDeleter {
  void operator()(DetectShared* s) const;
};
using DetectSharedPtr = std::unique_ptr<DetectShared, DetectSharedDeleter>;

// Reads the privacy settings (a missing or short key is an error naming the setting, never the
// key). Call before anything else starts.
Result<DetectSharedPtr> OpenDetectShared(const PipelineConfig& config, Metrics* metrics);
// Once the topics exist: starts the feedback tracker (alerts and feedback topics with these
// partition counts) and waits until it has read both topics to their end; Cancelled if `stop` is
// set first (Cancelled). Stops the tracker on destruction.
Status StartDetectShared(DetectShared* shared, int alerts_partitions, int feedback_partitions,
                         const std::atomic<bool>& stop);

// What a detector stage needs besides Kafka, checked before any group is joined: the detector
// config file, its threat-intel lists and the pseudonymisation key. An error names the file and
// the setting to fix (never a secret's value). Appends the resolved list paths to `effective`
// ("key: value" lines) when given.
Status CheckDetectInputs(const PipelineConfig& config, std::string* effective);

Result<std::unique_ptr<TaskFactory>> MakeDetectTaskFactory(const PipelineConfig& config,
                                                           DetectStage stage, int worker_index,
                                                           Metrics* metrics, DetectShared* shared);

}  // namespace vw::runtime
