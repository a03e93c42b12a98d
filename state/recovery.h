// The recovery rule (docs/state.md), as a pure function the runtime calls when it is assigned a
// partition: Kafka's committed transaction is the truth. A local store is kept only if the
// offsets it reflects equal the consumer group's committed offsets for the same partitions;
// otherwise it is destroyed and rebuilt from the changelog (whose last commit record, written in
// the same Kafka transaction as the group offsets, always equals them).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "state/state_store.h"

namespace vw::state {

enum class RecoveryAction {
  kKeep,     // local store == committed offsets: resume from them, no replay, no restore
  kRebuild,  // Destroy the local store and restore it from the changelog topic
};

// `committed`: the group's committed next offsets for the partitions this store covers ("topic/
// partition" -> offset; absent = nothing committed yet). `local`: the store's LastCommit().
RecoveryAction DecideRecovery(const CommitPoint& local,
                              const std::map<std::string, int64_t>& committed);

}  // namespace vw::state
