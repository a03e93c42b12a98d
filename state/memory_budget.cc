#include "state/memory_budget.h"

#include <rocksdb/cache.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>

namespace vw::state {

MemoryBudget::MemoryBudget(size_t total_bytes) : total_(std::max(total_bytes, kMinBytes)) {
  // Half the cache reserved for index and filter blocks (high priority): data blocks churn.
  cache_ = rocksdb::NewLRUCache(rocksdb_bytes(), -1, false, 0.5);
  // Memtables are charged to the same cache (dummy entries), so blocks and memtables together
  // stay within rocksdb_bytes(); allow_stall=false: over the limit RocksDB flushes, it does not
  // stall writers.
  wbm_ = std::make_shared<rocksdb::WriteBufferManager>(memtable_bytes(), cache_, false);
}

MemoryBudget::~MemoryBudget() = default;

std::shared_ptr<MemoryBudget> MemoryBudget::Create(size_t total_bytes) {
  return std::shared_ptr<MemoryBudget>(new MemoryBudget(total_bytes));
}

std::shared_ptr<MemoryBudget> MemoryBudget::ProcessDefault() {
  static const std::shared_ptr<MemoryBudget> budget = Create(kDefaultBytes);
  return budget;
}

size_t MemoryBudget::StoreCacheShare(size_t stores) const {
  return std::max<size_t>(total_ / 4 / std::max<size_t>(stores, 1), 1 << 20);
}

size_t MemoryBudget::KeyCacheShare(size_t engines) const {
  return std::max<size_t>(total_ / 4 / std::max<size_t>(engines, 1), 1 << 20);
}

}  // namespace vw::state
