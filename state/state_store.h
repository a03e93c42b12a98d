// StateStore: the RocksDB-backed key/value store behind every detector primitive, one per input
// partition (or one for the embedded `detect`). See docs/state.md for the recovery design.
//
// What it is: a RocksDB database in `StoreOptions::path` plus a bounded write-back cache. Reads go
// cache -> spill area -> RocksDB. Writes stay in the cache until Commit(), which writes them and
// the CommitPoint they reflect in ONE atomic RocksDB write (see "Spill" below for a cache that
// overflows between commits). Values carry an event-time expiry; ExpireBefore() lets a compaction
// filter drop expired values in the background, so expiry costs nothing per event.
//
// Ownership: the StateStore owns the RocksDB handle and the cache. Primitives (WindowCounter,
// FirstSeenMap, ...) hold a non-owning pointer and must not outlive it.
//
// Thread-safety: not thread-safe; owned by one partition task. (RocksDB's own background threads
// compact and flush; they never see the cache.)
//
// Failure modes: Open/Commit/Checkpoint/ApplyChangelog return Status. Get/Put/Delete keep the
// contract's value-returning signatures: a RocksDB read error there is a broken disk, so it is
// logged and crashes loudly (VW_CHECK) rather than returning wrong state silently.
//
// Keys: any bytes, except that a key must not begin with '\0' (reserved for the store's own
// records, e.g. the commit record in the changelog).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/hash.h"
#include "base/pointer_index.h"
#include "base/result.h"
#include "base/status.h"
#include "base/types.h"
#include "state/key_filter.h"
#include "state/memory_budget.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Snapshot;
class WriteBatch;
}  // namespace rocksdb

namespace vw::state {

struct StoreOptions {
  std::string path;  // RocksDB directory (created if missing). Required.
  // Bound of the in-memory cache: dirty entries (writes since the last Commit) plus clean ones
  // kept for reads. Clean entries are evicted LRU first; if dirty ones alone exceed the bound they
  // spill early to disk (without breaking Commit's atomicity).
  size_t write_cache_bytes = 64 << 20;
  // Unused: the block cache is the budget's shared cache (`budget` below). Kept so that callers
  // setting it still compile.
  size_t block_cache_bytes = 64 << 20;
  // Per memtable; at most 2 per column family, and all memtables of the process together within
  // the budget's memtable_bytes() (a WriteBufferManager charging the shared cache).
  size_t write_buffer_bytes = 32 << 20;
  // fsync the WAL at every Commit. Default false: a kill -9 loses nothing without it (the WAL is
  // in the OS page cache); after a power loss the store may fall behind Kafka's committed
  // offsets, which the recovery rule detects and repairs by a changelog rebuild (docs/state.md).
  bool sync_commits = false;
  // With a changelog sink set, each Commit first scans up to this many stored keys (resuming
  // where the last scan stopped) and deletes those the committed expiry horizon has expired, so
  // the changelog gets their tombstones and its compacted topic does not grow with dead keys.
  // 0 disables. The compaction filter still does the local, per-event-free expiry either way.
  size_t sweep_keys_per_commit = 4096;
  // An in-memory filter of the stored keys (state/key_filter.h) answers a read of a key never
  // written without RocksDB: at millions of keys most reads are first sightings. It takes 1/16 of
  // `write_cache_bytes`, and as much again while a rebuild runs, out of the cache's bound. A
  // reopened store rebuilds it in a background thread and reads RocksDB until that is done.
  bool key_filter = true;
  // The process's memory budget: its one RocksDB cache holds this store's blocks, and its
  // write-buffer manager charges this store's memtables to that cache. Unset: the process-wide
  // MemoryBudget::ProcessDefault() (512 MiB), so all stores of a process share one cache either
  // way. `write_cache_bytes` is not taken from it: give each store its share
  // (MemoryBudget::StoreCacheShare) when opening several.
  std::shared_ptr<MemoryBudget> budget = nullptr;
};

// The input positions a store's contents reflect; committed atomically with the data.
struct CommitPoint {
  std::map<std::string, int64_t> next_offsets;  // "topic/partition" -> next offset to read
  int64_t watermark_us = 0;                     // max event time applied, for expiry
  friend bool operator==(const CommitPoint&, const CommitPoint&) = default;
};

// Serialized form of a CommitPoint (stable, versioned): what the changelog's commit record holds.
std::string EncodeCommitPoint(const CommitPoint& point);
vw::Result<CommitPoint> DecodeCommitPoint(std::string_view bytes);

// Figures for /metrics and the benchmarks.
struct StoreStats {
  size_t cache_entries = 0;  // entries in the cache (dirty and clean)
  size_t cache_bytes = 0;    // their approximate memory
  size_t dirty_entries = 0;  // written since the last Commit (or spill)
  uint64_t cache_hits = 0, cache_misses = 0;
  uint64_t spills = 0;  // times the cache overflowed into the spill area
  uint64_t swept = 0;   // expired keys deleted by the changelog sweep
  uint64_t commits = 0;
  uint64_t estimated_keys = 0;        // RocksDB estimate (rocksdb.estimate-num-keys)
  uint64_t sst_bytes = 0;             // live SST files on disk
  uint64_t memtable_bytes = 0;        // RocksDB memtables
  uint64_t block_cache_bytes = 0;     // RocksDB block cache usage
  uint64_t filter_skipped_reads = 0;  // cache misses the key filter answered (no RocksDB read)
  uint64_t filter_bytes = 0;          // the key filter in use (0: none yet, or disabled)
  uint64_t filter_builds = 0;         // key filter builds finished (scans of the stored keys)
};

class StateStore {
 public:
  static vw::Result<std::unique_ptr<StateStore>> Open(const StoreOptions& options);
  // Deletes the store at `path` (which must not be open). OK if it does not exist.
  static vw::Status Destroy(const std::string& path);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // --- Data (the contract's API) ---
  std::optional<std::string> Get(std::string_view key);
  // As Get, without a copy: the view is valid until the next call on this store (any call).
  // For the primitives' read-modify-write hot path.
  std::optional<std::string_view> GetView(std::string_view key);
  void Put(std::string_view key, std::string_view value);  // never expires
  void Delete(std::string_view key);
  // A value that may be physically dropped once ExpireBefore(t) is committed with t > expires_at.
  // Readers must already treat it as absent at event times >= expires_at (the primitives do), so
  // physical removal is invisible to them: that is what makes background expiry deterministic.
  void Put(std::string_view key, std::string_view value, vw::EventTime expires_at);
  // Marks the value of `key`, which GetView has just returned (no other call on this store in
  // between), as written with the same expiry, and returns its bytes for the caller to change in
  // place, size unchanged: a read-modify-write of a few bytes in a large value (a sketch's
  // register) without re-encoding and copying all of it twice. The span is valid until the next
  // call on this store. The key must exist.
  std::span<char> UpdateInPlace(std::string_view key);

  // Drops state that expired before `t` in every primitive. The caller promises that no
  // primitive is read or written at an event time < t from now on (older events are dropped as
  // late). Costs nothing per event: it records a horizon that takes effect at the next Commit and
  // that a RocksDB compaction filter applies in the background. Never moves backwards.
  void ExpireBefore(vw::EventTime t);

  // One atomic RocksDB write: every cached write + the point (+ the expiry horizon). Then calls
  // the changelog sink for every key written, and last for the commit record.
  vw::Status Commit(const CommitPoint& point);
  vw::Result<CommitPoint> LastCommit();  // empty point for a new store

  // Called by Commit for every key written or deleted (nullopt), for the runtime's changelog.
  // Values are the store's internal encoding (opaque; feed them back to ApplyChangelog as is).
  // The last record of every Commit is the commit record: IsCommitRecord(key) is true and
  // DecodeCommitRecord(value) yields the CommitPoint.
  using ChangelogFn =
      std::function<void(std::string_view key, std::optional<std::string_view> value)>;
  void SetChangelogSink(ChangelogFn fn);

  // Restore: apply changelog records (in topic order, read_committed, from the beginning of the
  // compacted topic to its end) to a fresh store, then call FinishRestore(). Writes are batched;
  // nothing is visible as committed until FinishRestore() writes the last commit record seen.
  vw::Status ApplyChangelog(std::string_view key, std::optional<std::string_view> value);
  vw::Status FinishRestore();

  // A RocksDB checkpoint (hard links) of the committed state, consistent with LastCommit().
  vw::Status Checkpoint(const std::string& dir);

  // --- Extensions ---
  // Visits every committed key and value body in key order (uncommitted writes are not seen,
  // nor is expiry applied: an expired value is visited until compaction drops it).
  // For tests, debugging and export; O(store size).
  vw::Status ForEachCommitted(
      const std::function<void(std::string_view key, std::string_view value)>& fn);
  // As ForEachCommitted, over the keys that start with `prefix` only: O(matching keys), for
  // owners that enumerate a small family of their keys when they open a store.
  vw::Status ForEachCommitted(
      std::string_view prefix,
      const std::function<void(std::string_view key, std::string_view value)>& fn);
  // Whether any committed key starts with `prefix`: one seek, for owners that check when they
  // open a store whether keys of an older layout remain.
  vw::Result<bool> AnyCommittedWithPrefix(std::string_view prefix);
  static bool IsCommitRecord(std::string_view key);
  static vw::Result<CommitPoint> DecodeCommitRecord(std::string_view value);
  // Runs a full manual compaction (applies expiry now). For tests, benchmarks and idle time.
  vw::Status Compact();
  // Flushes memtables to SST files (for measuring bytes on disk).
  vw::Status Flush();
  StoreStats Stats();
  const std::string& path() const { return options_.path; }
  // True once the writes since the last Commit fill half of `write_cache_bytes`: an owner free to
  // commit at any point (the embedded `detect`) commits now, before the cache overflows into the
  // spill area, which costs every write twice (spill, then the move into the data at Commit) and
  // every cache miss a second RocksDB lookup. O(1).
  bool WantsCommit() const { return dirty_bytes_ > cache_limit_ / 2; }

 private:
  // The cache: dirty entries (written since the last Commit or spill) and clean ones (known to
  // equal the stored value, kept for reads, evicted by CLOCK: an approximation of LRU). Negative
  // lookups are cached too (value nullopt, clean).
  //
  // One allocation per entry holds the entry and its key bytes; an open-addressing index
  // (base/pointer_index.h) finds them, and clean entries sit in a flat ring for CLOCK. With
  // millions of cold keys every event inserts and evicts several entries: a node-based map (with
  // its bucket walk and a second hash of the key on erase), a separate key string and a list node
  // per entry were a third of the profile at 1M keys.
  struct Entry {
    static constexpr uint32_t kNotQueued = UINT32_MAX;
    std::optional<std::string> value;  // encoded (expiry header + body); nullopt = absent
    uint64_t hash = 0;                 // HashBytes(key())
    uint32_t key_size = 0;
    uint32_t clock_pos = kNotQueued;  // position in clock_, while clean
    bool dirty = false;
    bool referenced = false;  // read since the hand last passed (second chance at eviction)
    // The key's bytes follow the entry in its allocation (NewEntry).
    std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), key_size}; }
  };
  static Entry* NewEntry(std::string_view key, uint64_t hash);
  static void FreeEntry(Entry* entry);
  Entry* IndexFind(std::string_view key, uint64_t hash) const {
    return index_.Find(hash, [key](const Entry& e) { return e.key() == key; });
  }
  // Removes `entry` from the index and frees it.
  void IndexErase(Entry* entry) {
    index_.Erase(entry->hash, entry);
    FreeEntry(entry);
  }
  void QueueClean(Entry* entry);
  void UnqueueClean(Entry* entry);
  void MarkDirty(Entry* entry);

  explicit StateStore(StoreOptions options);
  vw::Status OpenDb();
  vw::Status Recover();
  vw::Status UpgradeKeyFormat();
  Entry* Lookup(std::string_view key);
  const std::optional<std::string>& GetEncoded(std::string_view key);
  void PutEncoded(std::string_view key, uint64_t header, std::optional<std::string_view> body);
  Entry* Insert(std::string_view key, uint64_t hash, std::optional<std::string> encoded,
                bool dirty);
  void MarkAllClean();
  void EvictClean();
  void ClearCache();
  void MaybeSpill();
  vw::Status Spill(const std::string* pending_meta);
  vw::Status ApplySpillArea(bool emit);
  vw::Status ClearSpillArea();
  vw::Status FlushRestoreBatch();
  vw::Status SweepExpired(size_t max_keys);
  std::string EncodeMeta(const CommitPoint& point, int64_t horizon_us) const;
  void EmitChangelog(std::string_view key, const std::optional<std::string>& encoded);
  // Key filter upkeep (key_filter.h): records a written key in the filter in use and in the one
  // being built; starts a build (OpenDb, or at Commit once the filter is full); puts a finished
  // build in use (at Commit, or at a read that misses the cache).
  void FilterAdd(uint64_t hash);
  void StartFilterBuild();
  void AdoptFilterIfBuilt();  // puts `next_filter_` in use once its build is done
  void MaybeAdvanceFilter();
  void StopFilterBuild();
  bool FilterFull() const;

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* data_cf_ = nullptr;   // committed state
  rocksdb::ColumnFamilyHandle* spill_cf_ = nullptr;  // uncommitted overflow of the cache
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;   // commit record, spill marker
  std::shared_ptr<std::atomic<int64_t>>
      horizon_;                // committed horizon, read by the compaction filter
  PointerIndex<Entry> index_;  // the cache; owns its entries (NewEntry, FreeEntry)
  std::vector<Entry*> clock_;  // clean entries, in no particular order (swap-removed)
  size_t clock_hand_ = 0;      // the next clean entry eviction looks at
  std::vector<Entry*> dirty_;  // dirty entries, in first-write order
  size_t cache_bytes_ = 0;     // approximate memory of all entries
  size_t dirty_bytes_ = 0;     // of which dirty
  Entry* memo_ = nullptr;      // the entry last looked up (read-modify-write hits it twice)
  bool has_spill_ = false;
  int64_t pending_horizon_us_ = INT64_MIN;
  int64_t committed_horizon_us_ = INT64_MIN;
  ChangelogFn changelog_;
  std::unique_ptr<rocksdb::WriteBatch> restore_batch_;
  std::optional<std::string> restore_commit_;
  uint64_t spills_ = 0;
  uint64_t swept_ = 0;
  std::string sweep_cursor_;  // next key the sweep looks at ("" = from the start)
  uint64_t hits_ = 0, misses_ = 0;
  uint64_t commits_ = 0;
  // The cache's bound: write_cache_bytes less the key filters' reservation.
  size_t cache_limit_ = 0;
  size_t filter_bytes_ = 0;  // each key filter's size (0: StoreOptions::key_filter off)
  // The key filter. `filter_` holds every stored key (or is null: not consulted); `next_filter_`
  // is being filled by `builder_` from a snapshot of the store, and with every key written since
  // the snapshot, until the store's thread swaps it in (MaybeAdvanceFilter).
  std::unique_ptr<KeyFilter> filter_, next_filter_;
  std::thread builder_;
  const rocksdb::Snapshot* build_snapshot_ = nullptr;
  std::atomic<bool> build_done_{false}, stop_build_{false};
  std::atomic<uint64_t> build_scanned_{0};
  vw::Status build_status_;        // written by builder_ before build_done_
  uint64_t filter_live_keys_ = 0;  // keys the last build found
  uint64_t filter_added_ = 0;      // keys added to the filter in use since it was built
  uint64_t filter_skips_ = 0;
  uint64_t filter_builds_ = 0;
};

}  // namespace vw::state
