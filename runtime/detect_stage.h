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
#pragma once

#include <memory>

#include "base/result.h"
#include "runtime/config.h"
#include "runtime/metrics.h"
#include "runtime/task.h"

namespace vw::runtime {

enum class DetectStage { kVault, kCaller };

Result<std::unique_ptr<TaskFactory>> MakeDetectTaskFactory(const PipelineConfig& config,
                                                           DetectStage stage, int worker_index,
                                                           Metrics* metrics);

}  // namespace vw::runtime
