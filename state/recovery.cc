#include "state/recovery.h"

namespace vw::state {

RecoveryAction DecideRecovery(const CommitPoint& local,
                              const std::map<std::string, int64_t>& committed) {
  // Equal offsets mean the store holds exactly the state of Kafka's last committed transaction.
  // Ahead (RocksDB committed, the Kafka transaction did not), behind (a lost or stale local
  // disk) or different partitions: the local contents are not provably that state: rebuild.
  return local.next_offsets == committed ? RecoveryAction::kKeep : RecoveryAction::kRebuild;
}

}  // namespace vw::state
