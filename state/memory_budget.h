// MemoryBudget: one byte budget for a process's state, shared by every StateStore and detector
// engine in it, as Kafka Streams and Flink bound RocksDB with one cache per process.
//
// The budget is split once, at creation:
//   - RocksDB (3/8): ONE rocksdb::Cache for the block cache (data, index and filter blocks) of
//     every store, with a WriteBufferManager charging every store's memtables to the same cache
//     (memtables may use up to half of it; beyond that RocksDB flushes). Shared: a store does not
//     get its own block cache or memtable allowance, however many stores are open.
//   - Store write caches (2/8): StateStore's in-process cache of dirty and clean entries
//     (StoreOptions::write_cache_bytes), divided among the stores (StoreCacheShare).
//   - Engine key caches (2/8): the detector engines' resident per-key state
//     (detect::Engine::SetKeyCacheBytes), divided among the engines (KeyCacheShare).
//   - The remaining 1/8 is headroom for what is bounded otherwise: reorder buffers (by the
//     allowed lateness), the event pool, RocksDB's table readers and the allocator's slack.
// With the default 512 MiB the process's RSS stays under 1 GiB at any key count (bench/README.md,
// scale_bench).
//
// Ownership: shared (std::shared_ptr) by whoever opens stores with it; the RocksDB cache and
// write-buffer manager live as long as the last store or holder. Thread-safe: immutable after
// Create (RocksDB's cache and manager are thread-safe themselves).
#pragma once

#include <cstddef>
#include <memory>

namespace rocksdb {
class Cache;
class WriteBufferManager;
}  // namespace rocksdb

namespace vw::state {

class MemoryBudget {
 public:
  static constexpr size_t kDefaultBytes = size_t{512} << 20;
  static constexpr size_t kMinBytes = size_t{8} << 20;
  // A budget of `total_bytes` (raised to kMinBytes if below).
  static std::shared_ptr<MemoryBudget> Create(size_t total_bytes = kDefaultBytes);
  // The process-wide budget stores use when StoreOptions::budget is unset: created on first use
  // with kDefaultBytes. Thread-safe.
  static std::shared_ptr<MemoryBudget> ProcessDefault();
  ~MemoryBudget();

  size_t total_bytes() const { return total_; }
  // The RocksDB share: the shared cache's capacity (blocks and memtables).
  size_t rocksdb_bytes() const { return total_ / 8 * 3; }
  // Of which memtables may take (then RocksDB flushes the largest).
  size_t memtable_bytes() const { return rocksdb_bytes() / 2; }
  // One store's write cache when `stores` stores share the budget (at least 1 MiB each).
  size_t StoreCacheShare(size_t stores) const;
  // One engine's key cache when `engines` engines share the budget (at least 1 MiB each).
  size_t KeyCacheShare(size_t engines) const;

  const std::shared_ptr<rocksdb::Cache>& cache() const { return cache_; }
  const std::shared_ptr<rocksdb::WriteBufferManager>& write_buffer_manager() const { return wbm_; }

 private:
  explicit MemoryBudget(size_t total_bytes);
  size_t total_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> wbm_;
};

}  // namespace vw::state
