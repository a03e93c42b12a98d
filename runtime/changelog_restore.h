// Restoring a partition's state store from its changelog topic (compacted, written in the same
// transactions as the input offsets; see docs/state.md): read from the beginning to the last
// stable offset (read_committed) and apply every record, then FinishRestore.
//
// Used by the detector stages (runtime/detect_stage.cc), on a worker's restore thread
// (runtime/restorer.h), and by bench/restore_bench.cc to measure it.
// Thread-safety: one call owns `store` for its duration; `cancel` may be set from any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/status.h"
#include "kafka/types.h"
#include "state/state_store.h"

namespace vw::runtime {

struct RestoreStats {
  uint64_t records = 0;
  uint64_t bytes = 0;  // keys + values
  double seconds = 0;
  double apply_seconds = 0;  // of `seconds`, in the store (ApplyChangelog, FinishRestore)
};

// `consumer_config`: bootstrap and security settings; group-related settings are replaced (a
// manual assignment, nothing committed). Cancelled when `cancel` is set (checked between
// fetches, at least every 200 ms); Unavailable when the changelog's end is not reached and no
// record arrives for `stall_timeout_ms`. On error the store holds a partial restore without a
// commit record (StateStore::FinishRestore is not called): the next open rebuilds it.
Status RestoreChangelog(const kafka::Config& consumer_config,
                        const kafka::TopicPartition& changelog, state::StateStore* store,
                        const std::atomic<bool>* cancel, RestoreStats* stats,
                        int stall_timeout_ms = 600000);

}  // namespace vw::runtime
