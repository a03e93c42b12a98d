#include "state/state_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <new>
#include <vector>

#include "base/check.h"
#include "base/logging.h"
#include "state/encoding.h"

namespace vw::state {
namespace {

using internal::GetFixed64;
using internal::GetLengthPrefixed;
using internal::GetVarint64;
using internal::PutFixed64;
using internal::PutLengthPrefixed;
using internal::PutVarint64;

constexpr char kDataCf[] = "default";
constexpr char kSpillCf[] = "spill";
constexpr char kMetaCf[] = "meta";
// Meta records. The commit record's key doubles as the changelog key of the commit point.
constexpr std::string_view kCommitKey("\0vw.commit", 10);
constexpr std::string_view kSpillPendingKey("\0vw.spill-pending", 17);
// The primitives' key format the data holds (key_format.h), a decimal string; absent in stores
// written before it was recorded (version 1).
constexpr std::string_view kKeyFormatKey("\0vw.key-format", 14);
constexpr uint8_t kCommitVersion = 1;
// Spill-area value tags.
constexpr char kSpillPut = 'P';
constexpr char kSpillDelete = 'D';
// Per-entry overhead of the cache beyond key and value bytes: the entry and its allocation
// (~72 bytes), two to four index slots (the index is a quarter to half full: 32-64), a ring or
// dirty-list pointer with vector slack (8-16), the value's heap block header and rounding (~24).
constexpr size_t kEntryOverhead = 160;
// Restore and spill-apply batches are written in chunks of about this size.
constexpr size_t kChunkBytes = 4 << 20;

// Sorts `entries` (anything with key()) by key, as RocksDB orders keys (bytewise). A commit
// sorts tens of thousands of entries, each key in its own allocation: comparing them through the
// pointers costs two cache misses per comparison. So each key's first 16 bytes are loaded once,
// big-endian and zero-padded, into a contiguous array; they order the keys as memcmp does and
// decide almost every comparison (digest keys differ within their first bytes after the family
// name). Equal prefixes fall back to the whole keys.
template <typename E>
void SortByKey(std::vector<E*>* entries) {
  struct Sortable {
    uint64_t high, low;
    E* entry;
  };
  auto load = [](std::string_view key, size_t from) {
    uint64_t v = 0;
    for (size_t i = from; i < from + 8; ++i) {
      v = (v << 8) | (i < key.size() ? static_cast<uint8_t>(key[i]) : 0);
    }
    return v;
  };
  std::vector<Sortable> sortable;
  sortable.reserve(entries->size());
  for (E* e : *entries) sortable.push_back({load(e->key(), 0), load(e->key(), 8), e});
  std::sort(sortable.begin(), sortable.end(), [](const Sortable& x, const Sortable& y) {
    if (x.high != y.high) return x.high < y.high;
    if (x.low != y.low) return x.low < y.low;
    return x.entry->key() < y.entry->key();
  });
  for (size_t i = 0; i < sortable.size(); ++i) (*entries)[i] = sortable[i].entry;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(std::move(msg));
  return Status::IOError(std::move(msg));
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// Drops values whose expiry header says they expired before the committed horizon. The horizon
// only moves at Commit, so a crash can never lose a value the last committed state still needs.
class ExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  explicit ExpiryFilter(int64_t horizon_us) : horizon_us_(horizon_us) {}
  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/, const rocksdb::Slice& value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    std::string_view in(value.data(), value.size());
    uint64_t header;
    if (!GetVarint64(&in, &header)) return false;  // unreadable: keep, never destroy silently
    return internal::ExpiredBy(header, horizon_us_);
  }
  const char* Name() const override { return "vw.ExpiryFilter"; }

 private:
  int64_t horizon_us_;
};

class ExpiryFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  explicit ExpiryFilterFactory(std::shared_ptr<std::atomic<int64_t>> horizon)
      : horizon_(std::move(horizon)) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& /*context*/) override {
    return std::make_unique<ExpiryFilter>(horizon_->load());
  }
  const char* Name() const override { return "vw.ExpiryFilterFactory"; }

 private:
  std::shared_ptr<std::atomic<int64_t>> horizon_;
};

std::string EncodeWithHeader(uint64_t header, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 5);
  PutVarint64(&out, header);
  out.append(body);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// CommitPoint encoding: version byte, varint count, (length-prefixed name, fixed64 offset)*,
// fixed64 watermark, then (meta only) fixed64 horizon.

std::string EncodeCommitPoint(const CommitPoint& point) {
  std::string out;
  out.push_back(static_cast<char>(kCommitVersion));
  PutVarint64(&out, point.next_offsets.size());
  for (const auto& [name, offset] : point.next_offsets) {
    PutLengthPrefixed(&out, name);
    PutFixed64(&out, static_cast<uint64_t>(offset));
  }
  PutFixed64(&out, static_cast<uint64_t>(point.watermark_us));
  return out;
}

namespace {
Result<CommitPoint> DecodeCommitPointPrefix(std::string_view* in) {
  if (in->empty() || static_cast<uint8_t>(in->front()) != kCommitVersion) {
    return Status::Corruption("commit point: unknown version");
  }
  in->remove_prefix(1);
  CommitPoint p;
  uint64_t n;
  if (!GetVarint64(in, &n)) return Status::Corruption("commit point: truncated count");
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name;
    uint64_t off;
    if (!GetLengthPrefixed(in, &name) || !GetFixed64(in, &off)) {
      return Status::Corruption("commit point: truncated offset entry");
    }
    p.next_offsets.emplace(std::string(name), static_cast<int64_t>(off));
  }
  uint64_t wm;
  if (!GetFixed64(in, &wm)) return Status::Corruption("commit point: truncated watermark");
  p.watermark_us = static_cast<int64_t>(wm);
  return p;
}

struct Meta {
  CommitPoint point;
  int64_t horizon_us = INT64_MIN;
};

Result<Meta> DecodeMeta(std::string_view in) {
  VW_ASSIGN_OR_RETURN(CommitPoint p, DecodeCommitPointPrefix(&in));
  Meta m;
  m.point = std::move(p);
  uint64_t h;
  if (!GetFixed64(&in, &h)) return Status::Corruption("commit record: truncated horizon");
  m.horizon_us = static_cast<int64_t>(h);
  return m;
}
}  // namespace

Result<CommitPoint> DecodeCommitPoint(std::string_view bytes) {
  return DecodeCommitPointPrefix(&bytes);
}

bool StateStore::IsCommitRecord(std::string_view key) { return key == kCommitKey; }

Result<CommitPoint> StateStore::DecodeCommitRecord(std::string_view value) {
  VW_ASSIGN_OR_RETURN(Meta m, DecodeMeta(value));
  return std::move(m.point);
}

std::string StateStore::EncodeMeta(const CommitPoint& point, int64_t horizon_us) const {
  std::string out = EncodeCommitPoint(point);
  PutFixed64(&out, static_cast<uint64_t>(horizon_us));
  return out;
}

// ---------------------------------------------------------------------------------------------

StateStore::StateStore(StoreOptions options)
    : options_(std::move(options)), horizon_(std::make_shared<std::atomic<int64_t>>(INT64_MIN)) {
  // The key filter's share, reserved twice in the cache's bound: the one in use and, during a
  // rebuild, the next one.
  if (options_.key_filter) {
    filter_bytes_ = std::max<size_t>(KeyFilter::kBlockBytes, options_.write_cache_bytes / 16);
  }
  cache_limit_ =
      options_.write_cache_bytes - std::min(options_.write_cache_bytes, 2 * filter_bytes_);
}

StateStore::~StateStore() {
  StopFilterBuild();
  ClearCache();
  if (db_ == nullptr) return;
  // Uncommitted cache contents are dropped by design: only Commit makes state durable.
  for (auto* cf : {data_cf_, spill_cf_, meta_cf_}) {
    if (cf != nullptr) db_->DestroyColumnFamilyHandle(cf).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

Result<std::unique_ptr<StateStore>> StateStore::Open(const StoreOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("state store: empty path");
  std::unique_ptr<StateStore> store(new StateStore(options));
  VW_RETURN_IF_ERROR(store->OpenDb());
  VW_RETURN_IF_ERROR(store->Recover());
  VW_RETURN_IF_ERROR(store->UpgradeKeyFormat());
  if (store->options_.key_filter) store->StartFilterBuild();
  return store;
}

Status StateStore::Destroy(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Status::IOError("state store: removing " + path + ": " + ec.message());
  return Status::OK();
}

Status StateStore::OpenDb() {
  std::error_code ec;
  std::filesystem::create_directories(options_.path, ec);
  if (ec) return Status::IOError("state store: creating " + options_.path + ": " + ec.message());

  if (options_.budget == nullptr) options_.budget = MemoryBudget::ProcessDefault();
  rocksdb::BlockBasedTableOptions table;
  // The process's one cache (MemoryBudget): blocks of every store and, charged by the
  // write-buffer manager, their memtables.
  table.block_cache = options_.budget->cache();
  // 10 bits/key bloom filters: a point lookup of an absent key (most first-seen checks) costs no
  // disk read 99% of the time. Index and filter blocks live in the block cache, so their memory
  // is bounded by the shared cache however many keys there are (10M keys ~ 12 MB of filters).
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Partitioned index and filters: a lookup loads one small partition, never a whole file's
  // filter. With whole filters, a 1M-key file's 1.2 MB filter evicted from the cache was re-read
  // and checksummed on every lookup (the top of the profile at 1M keys).
  table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  table.format_version = 5;
  table.block_size = 16 * 1024;
  // XXH3 block checksums: Debian's RocksDB is built without SSE4.2, so CRC32C runs its table
  // version, and every block read from disk or written by a flush or compaction was checksummed
  // at about a byte per cycle (2-5% of `detect`'s CPU at millions of keys). The checksum type is
  // recorded per file: files written with CRC32C stay readable.
  table.checksum = rocksdb::kXXH3;

  rocksdb::ColumnFamilyOptions data;
  data.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  data.write_buffer_size = options_.write_buffer_bytes;
  data.max_write_buffer_number = 2;
  data.level_compaction_dynamic_level_bytes = true;
  // LZ4 at every level, the bottom one included: at millions of keys most reads of stored state
  // miss the block cache and decompress a block of the bottom level, and ZSTD's decompression
  // (and compression in compactions) was 15% of the pipeline's CPU at 4.86M keys. The price is
  // disk: about a fifth more there. (4 KB blocks instead of 16 KB saved no CPU and cost memory.)
  data.compression = rocksdb::kLZ4Compression;
  data.bottommost_compression = rocksdb::kLZ4Compression;
  data.compaction_filter_factory = std::make_shared<ExpiryFilterFactory>(horizon_);
  // Compaction applies expiry only to files it rewrites; make sure cold files are rewritten too.
  data.periodic_compaction_seconds = 24 * 3600;
  // Most reads are of keys that are not in the memtable (first sightings, cold keys): a memtable
  // bloom filter answers those without walking the skiplist, which otherwise dominated profiles.
  data.memtable_whole_key_filtering = true;
  data.memtable_prefix_bloom_size_ratio = 0.05;

  rocksdb::ColumnFamilyOptions small;  // spill area and meta: small, short-lived
  small.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  small.write_buffer_size = 8 << 20;
  small.max_write_buffer_number = 2;
  small.compression = rocksdb::kLZ4Compression;

  rocksdb::DBOptions db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  // After a crash, recover the WAL up to the last complete write: each Commit is one write, so
  // the store comes back at exactly some committed point (never a torn commit).
  db.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db.max_background_jobs = 2;
  db.max_open_files = 512;
  db.max_total_wal_size = 4 * options_.write_buffer_bytes;
  db.keep_log_file_num = 2;
  db.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db.write_buffer_manager = options_.budget->write_buffer_manager();

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {kDataCf, data}, {kSpillCf, small}, {kMetaCf, small}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(db, options_.path, cfs, &handles, &raw);
  if (!s.ok() && s.IsInvalidArgument()) {
    // A build without LZ4/ZSTD: fall back to Snappy-or-nothing rather than refuse to run.
    for (auto& cf : cfs) {
      cf.options.compression = rocksdb::kSnappyCompression;
      cf.options.bottommost_compression = rocksdb::kDisableCompressionOption;
    }
    s = rocksdb::DB::Open(db, options_.path, cfs, &handles, &raw);
  }
  VW_RETURN_IF_ERROR(FromRocks(s, "state store: open " + options_.path));
  db_.reset(raw);
  data_cf_ = handles[0];
  spill_cf_ = handles[1];
  meta_cf_ = handles[2];
  return Status::OK();
}

Status StateStore::Recover() {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_cf_, ToSlice(kCommitKey), &value);
  if (s.ok()) {
    VW_ASSIGN_OR_RETURN(Meta m, DecodeMeta(value));
    committed_horizon_us_ = m.horizon_us;
    pending_horizon_us_ = m.horizon_us;
    horizon_->store(m.horizon_us);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "state store: reading commit record");
  }
  // A spill marker means a Commit was decided (its point is in the marker) but had not finished
  // moving the spill area into the data: finish it (redo). Without a marker the spill area holds
  // writes of a transaction that never committed: discard them.
  s = db_->Get(rocksdb::ReadOptions(), meta_cf_, ToSlice(kSpillPendingKey), &value);
  if (s.ok()) {
    VW_ASSIGN_OR_RETURN(Meta m, DecodeMeta(value));
    VW_LOG(Info, "state store: finishing an interrupted commit").Field("path", options_.path);
    VW_RETURN_IF_ERROR(ApplySpillArea(/*emit=*/false));
    rocksdb::WriteBatch b;
    b.Put(meta_cf_, ToSlice(kCommitKey), ToSlice(value));
    b.Delete(meta_cf_, ToSlice(kSpillPendingKey));
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_commits;
    VW_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &b), "state store: finishing commit"));
    committed_horizon_us_ = pending_horizon_us_ = m.horizon_us;
    horizon_->store(m.horizon_us);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "state store: reading spill marker");
  } else {
    VW_RETURN_IF_ERROR(ClearSpillArea());
  }
  return Status::OK();
}

// A store of an older key format gets its primitives' keys rewritten once, here (after Recover,
// so a decided commit's spilled writes are in the data first). Each key's rewrite and its old
// key's delete are one write batch with others, so a crash midway leaves every key in one form
// or the other, and the next Open finishes the job; the version is recorded last.
Status StateStore::UpgradeKeyFormat() {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_cf_, ToSlice(kKeyFormatKey), &value);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "state store: reading the key format");
  if (s.ok()) {
    if (value == std::to_string(internal::kKeyFormatVersion)) return Status::OK();
    return Status::FailedPrecondition(
        "state store: " + options_.path + " has key format " + value + "; this build reads " +
        std::to_string(internal::kKeyFormatVersion) + " (written by a newer vaultwatch?)");
  }
  const auto started = std::chrono::steady_clock::now();
  uint64_t rewritten = 0;
  {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, data_cf_));
    rocksdb::WriteBatch b;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::optional<std::string> key =
          internal::RewriteLegacyKey(std::string_view(it->key().data(), it->key().size()));
      if (!key) continue;
      b.Put(data_cf_, ToSlice(*key), it->value());
      b.Delete(data_cf_, it->key());
      ++rewritten;
      if (b.GetDataSize() >= kChunkBytes) {
        VW_RETURN_IF_ERROR(
            FromRocks(db_->Write(rocksdb::WriteOptions(), &b), "state store: upgrade"));
        b.Clear();
      }
    }
    VW_RETURN_IF_ERROR(FromRocks(it->status(), "state store: upgrade scan"));
    b.Put(meta_cf_, ToSlice(kKeyFormatKey), std::to_string(internal::kKeyFormatVersion));
    VW_RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &b), "state store: upgrade"));
  }
  if (rewritten > 0) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    VW_LOG(Info, "state store: rewrote keys to the current key format")
        .Field("path", options_.path)
        .Field("keys", rewritten)
        .Field("seconds", seconds);
  }
  return Status::OK();
}

// --- Reads and writes -------------------------------------------------------------------------

static size_t EntryBytes(std::string_view key, const std::optional<std::string>& v) {
  return key.size() + (v ? v->size() : 0) + kEntryOverhead;
}

StateStore::Entry* StateStore::NewEntry(std::string_view key, uint64_t hash) {
  VW_CHECK(key.size() <= UINT32_MAX) << "state key too long";
  void* mem = ::operator new(sizeof(Entry) + key.size());
  Entry* entry = new (mem) Entry;
  entry->hash = hash;
  entry->key_size = static_cast<uint32_t>(key.size());
  if (!key.empty()) std::memcpy(reinterpret_cast<char*>(entry + 1), key.data(), key.size());
  return entry;
}

void StateStore::FreeEntry(Entry* entry) {
  entry->~Entry();
  ::operator delete(entry);
}

void StateStore::QueueClean(Entry* entry) {
  entry->clock_pos = static_cast<uint32_t>(clock_.size());
  clock_.push_back(entry);
}

void StateStore::UnqueueClean(Entry* entry) {
  // Swap-remove: the last entry takes this one's place (and the hand's attention, if there).
  Entry* last = clock_.back();
  clock_[entry->clock_pos] = last;
  last->clock_pos = entry->clock_pos;
  clock_.pop_back();
  entry->clock_pos = Entry::kNotQueued;
}

StateStore::Entry* StateStore::Insert(std::string_view key, uint64_t hash,
                                      std::optional<std::string> encoded, bool dirty) {
  const size_t bytes = EntryBytes(key, encoded);
  Entry* entry = NewEntry(key, hash);
  entry->value = std::move(encoded);
  entry->dirty = dirty;
  index_.Insert(entry->hash, entry);
  cache_bytes_ += bytes;
  if (dirty) {
    dirty_.push_back(entry);
    dirty_bytes_ += bytes;
  } else {
    // A new entry is spared by the hand once: swap-removal may put it right under the hand.
    entry->referenced = true;
    QueueClean(entry);
  }
  memo_ = entry;
  return entry;
}

void StateStore::EvictClean() {
  // Never the entry last looked up (memo_): GetView hands out a view of it.
  while (cache_bytes_ > cache_limit_ && clock_.size() > 1) {
    if (clock_hand_ >= clock_.size()) clock_hand_ = 0;
    Entry* entry = clock_[clock_hand_];
    if (entry == memo_ || entry->referenced) {
      // Read since the hand last passed: a second chance. Each entry's bit is cleared once per
      // pass (memo_ is passed over once per pass, and the ring holds another entry), so the
      // loop ends.
      entry->referenced = false;
      ++clock_hand_;
      continue;
    }
    UnqueueClean(entry);
    cache_bytes_ -= EntryBytes(entry->key(), entry->value);
    IndexErase(entry);
  }
}

void StateStore::MarkAllClean() {
  for (Entry* entry : dirty_) {
    entry->dirty = false;
    QueueClean(entry);
  }
  dirty_.clear();
  dirty_bytes_ = 0;
}

void StateStore::ClearCache() {
  index_.ForEach(FreeEntry);
  index_.Clear();
  clock_.clear();
  clock_hand_ = 0;
  dirty_.clear();
  cache_bytes_ = dirty_bytes_ = 0;
  memo_ = nullptr;
}

StateStore::Entry* StateStore::Lookup(std::string_view key) {
  Entry* entry = nullptr;
  // Primitives read a key and then write it: remember the last entry to skip the second hash.
  if (memo_ != nullptr && memo_->key() == key) {
    entry = memo_;
  } else if (Entry* found = IndexFind(key, HashBytes(key))) {
    entry = found;
    memo_ = entry;
  }
  // A hit only marks the entry (CLOCK), without moving it.
  if (entry != nullptr && !entry->dirty) entry->referenced = true;
  return entry;
}

const std::optional<std::string>& StateStore::GetEncoded(std::string_view key) {
  if (Entry* entry = Lookup(key)) {
    ++hits_;
    return entry->value;
  }
  ++misses_;
  const uint64_t hash = HashBytes(key);
  std::optional<std::string> found;
  std::string value;
  rocksdb::ReadOptions ro;
  // A build that finished is put in use here too, not only at Commit: an owner may commit
  // rarely (`detect`: every million events, or at half the cache), and a reopened store would
  // read RocksDB for each absent key until then.
  AdoptFilterIfBuilt();
  // The filter holds every key ever written to the data or the spill area: "absent" is final.
  bool done = filter_ != nullptr && !filter_->MayContain(hash);
  if (done) ++filter_skips_;
  if (!done && has_spill_) {
    auto s = db_->Get(ro, spill_cf_, ToSlice(key), &value);
    if (s.ok()) {
      VW_CHECK(!value.empty()) << "state store: empty spill record";
      if (value[0] == kSpillPut) found = value.substr(1);
      done = true;
    } else {
      VW_CHECK(s.IsNotFound()) << "state store: spill read failed: " << s.ToString();
    }
  }
  if (!done) {
    auto s = db_->Get(ro, data_cf_, ToSlice(key), &value);
    if (s.ok()) {
      found = std::move(value);
    } else {
      VW_CHECK(s.IsNotFound()) << "state store: read failed in " << options_.path << ": "
                               << s.ToString();
    }
  }
  Entry* entry = Insert(key, hash, std::move(found), /*dirty=*/false);
  EvictClean();
  return entry->value;
}

void StateStore::PutEncoded(std::string_view key, uint64_t header,
                            std::optional<std::string_view> body) {
  Entry* entry = Lookup(key);
  if (entry == nullptr) {
    const uint64_t hash = HashBytes(key);
    std::optional<std::string> encoded;
    if (body) {
      encoded = EncodeWithHeader(header, *body);
      FilterAdd(hash);
    }
    Insert(key, hash, std::move(encoded), /*dirty=*/true);
  } else {
    Entry& e = *entry;
    if (body && !e.value) FilterAdd(e.hash);  // a value that existed is in the filter already
    const size_t old_bytes = EntryBytes(key, e.value);
    if (body) {
      // In place: the entry's string keeps its capacity, so a steady key allocates nothing.
      if (!e.value) e.value.emplace();
      e.value->clear();
      PutVarint64(&*e.value, header);
      e.value->append(*body);
    } else {
      e.value.reset();
    }
    const size_t new_bytes = EntryBytes(key, e.value);
    if (!e.dirty) {
      MarkDirty(entry);
    } else {
      dirty_bytes_ -= old_bytes;
    }
    dirty_bytes_ += new_bytes;
    cache_bytes_ = cache_bytes_ - old_bytes + new_bytes;
  }
  MaybeSpill();
}

// A clean entry leaves the CLOCK ring for the dirty list (its bytes join dirty_bytes_ at the
// caller, which knows whether they change).
void StateStore::MarkDirty(Entry* entry) {
  UnqueueClean(entry);
  entry->dirty = true;
  entry->referenced = false;
  dirty_.push_back(entry);
}

std::span<char> StateStore::UpdateInPlace(std::string_view key) {
  Entry* entry = Lookup(key);  // the memo: GetView looked it up last
  VW_CHECK(entry != nullptr && entry->value) << "UpdateInPlace of a key that has no value";
  if (!entry->dirty) {
    MarkDirty(entry);
    // No MaybeSpill: the cache's bytes do not change, so its bound holds as it did, and a spill
    // now would write the value before the caller changes it.
    dirty_bytes_ += EntryBytes(key, entry->value);
  }
  std::string_view body(*entry->value);
  uint64_t header;
  VW_CHECK(GetVarint64(&body, &header)) << "state value without a valid expiry header";
  const size_t at = entry->value->size() - body.size();
  return {entry->value->data() + at, body.size()};
}

std::optional<std::string_view> StateStore::GetView(std::string_view key) {
  const std::optional<std::string>& encoded = GetEncoded(key);
  if (!encoded) return std::nullopt;
  std::string_view body(*encoded);
  uint64_t header;
  VW_CHECK(GetVarint64(&body, &header)) << "state value without a valid expiry header";
  return body;
}

std::optional<std::string> StateStore::Get(std::string_view key) {
  auto view = GetView(key);
  if (!view) return std::nullopt;
  return std::string(*view);
}

void StateStore::Put(std::string_view key, std::string_view value) {
  VW_CHECK(key.empty() || key.front() != '\0') << "state keys starting with \\0 are reserved";
  PutEncoded(key, internal::kNeverExpires, value);
}

void StateStore::Put(std::string_view key, std::string_view value, EventTime expires_at) {
  VW_CHECK(key.empty() || key.front() != '\0') << "state keys starting with \\0 are reserved";
  PutEncoded(key, internal::ExpiryHeader(expires_at), value);
}

void StateStore::Delete(std::string_view key) {
  VW_CHECK(key.empty() || key.front() != '\0') << "state keys starting with \\0 are reserved";
  PutEncoded(key, 0, std::nullopt);
}

void StateStore::ExpireBefore(EventTime t) {
  pending_horizon_us_ = std::max(pending_horizon_us_, t.micros());
}

// --- Spill: the cache overflowed before Commit --------------------------------------------------
//
// The cache's contents go to the spill column family (tagged P/D), not to the data: the data
// column family only ever changes at Commit, so a crash before Commit leaves it at the last
// commit point. Commit then decides atomically (one write: remaining cache + a marker carrying the
// commit point) and moves the spill area into the data in chunks; a crash during the move is
// finished at Open (redo), because the marker says the commit was decided.

void StateStore::MaybeSpill() {
  if (cache_bytes_ <= cache_limit_) return;
  EvictClean();
  if (dirty_bytes_ <= cache_limit_) return;
  Status s = Spill(nullptr);
  VW_CHECK(s.ok()) << "state store: spilling the write cache failed: " << s;
  EvictClean();
}

Status StateStore::Spill(const std::string* pending_meta) {
  rocksdb::WriteBatch b;
  for (const Entry* e : dirty_) {
    const Entry& entry = *e;
    std::string v;
    if (entry.value) {
      v.reserve(entry.value->size() + 1);
      v.push_back(kSpillPut);
      v.append(*entry.value);
    } else {
      v.push_back(kSpillDelete);
    }
    b.Put(spill_cf_, ToSlice(entry.key()), v);
  }
  if (pending_meta != nullptr) b.Put(meta_cf_, ToSlice(kSpillPendingKey), ToSlice(*pending_meta));
  rocksdb::WriteOptions wo;  // no sync: an unfinished spill is discarded at Open anyway
  VW_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &b), "state store: spill"));
  // The spilled entries now equal what a read would find (in the spill area): clean.
  MarkAllClean();
  has_spill_ = true;
  ++spills_;
  return Status::OK();
}

Status StateStore::ApplySpillArea(bool emit) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), spill_cf_));
  rocksdb::WriteBatch b;
  std::vector<std::pair<std::string, std::optional<std::string>>> pending;
  auto flush = [&]() -> Status {
    if (b.Count() == 0) return Status::OK();
    VW_RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &b), "state store: apply"));
    b.Clear();
    if (emit) {
      for (auto& [k, v] : pending) EmitChangelog(k, v);
    }
    pending.clear();
    return Status::OK();
  };
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (v.empty()) return Status::Corruption("state store: empty spill record");
    std::optional<std::string> value;
    if (v[0] == kSpillPut) {
      b.Put(data_cf_, k, rocksdb::Slice(v.data() + 1, v.size() - 1));
      value.emplace(v.data() + 1, v.size() - 1);
    } else {
      b.Delete(data_cf_, k);
    }
    b.Delete(spill_cf_, k);  // each chunk moves its records atomically: redo is idempotent
    if (emit) pending.emplace_back(k.ToString(), std::move(value));
    if (b.GetDataSize() >= kChunkBytes) VW_RETURN_IF_ERROR(flush());
  }
  VW_RETURN_IF_ERROR(FromRocks(it->status(), "state store: reading spill area"));
  VW_RETURN_IF_ERROR(flush());
  has_spill_ = false;
  return Status::OK();
}

Status StateStore::ClearSpillArea() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), spill_cf_));
  rocksdb::WriteBatch b;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    b.Delete(spill_cf_, it->key());
    if (b.GetDataSize() >= kChunkBytes) {
      VW_RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &b), "state store: clear"));
      b.Clear();
    }
  }
  VW_RETURN_IF_ERROR(FromRocks(it->status(), "state store: reading spill area"));
  if (b.Count() > 0) {
    VW_RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &b), "state store: clear"));
  }
  has_spill_ = false;
  return Status::OK();
}

// --- Commit -----------------------------------------------------------------------------------

void StateStore::EmitChangelog(std::string_view key, const std::optional<std::string>& encoded) {
  if (!changelog_) return;
  if (encoded) {
    changelog_(key, std::string_view(*encoded));
  } else {
    changelog_(key, std::nullopt);
  }
}

Status StateStore::Commit(const CommitPoint& point) {
  VW_CHECK(restore_batch_ == nullptr) << "Commit during a restore: call FinishRestore first";
  if (changelog_ && options_.sweep_keys_per_commit > 0) {
    VW_RETURN_IF_ERROR(SweepExpired(options_.sweep_keys_per_commit));
  }
  const int64_t horizon = pending_horizon_us_;
  const std::string meta = EncodeMeta(point, horizon);
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_commits;
  if (!has_spill_) {
    // The common case: one WriteBatch holds every dirty entry and the commit record, sorted (the
    // memtable skiplist inserts a sorted run much faster: it reuses its search path).
    SortByKey(&dirty_);
    // Reserved up front: grown by doubling, the batch's buffer was copied over and over (and
    // left its old copies to the allocator) on a commit of hundreds of thousands of keys.
    rocksdb::WriteBatch b(dirty_bytes_ + 64);
    for (const Entry* entry : dirty_) {
      if (entry->value) {
        b.Put(data_cf_, ToSlice(entry->key()), ToSlice(*entry->value));
      } else {
        b.Delete(data_cf_, ToSlice(entry->key()));
      }
    }
    b.Put(meta_cf_, ToSlice(kCommitKey), meta);
    VW_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &b), "state store: commit"));
    for (const Entry* entry : dirty_) EmitChangelog(entry->key(), entry->value);
    MarkAllClean();
  } else {
    // Decide: the remaining dirty entries join the spill area in the same write as the marker.
    VW_RETURN_IF_ERROR(Spill(&meta));
    if (options_.sync_commits) {
      VW_RETURN_IF_ERROR(FromRocks(db_->SyncWAL(), "state store: sync"));
    }
    VW_RETURN_IF_ERROR(ApplySpillArea(/*emit=*/true));
    rocksdb::WriteBatch done;
    done.Put(meta_cf_, ToSlice(kCommitKey), meta);
    done.Delete(meta_cf_, ToSlice(kSpillPendingKey));
    VW_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &done), "state store: commit"));
  }
  EvictClean();
  MaybeAdvanceFilter();
  committed_horizon_us_ = horizon;
  horizon_->store(horizon);
  ++commits_;
  EmitChangelog(kCommitKey, meta);
  return Status::OK();
}

// Deletes (through the cache, so they are committed and changelogged like any write) stored keys
// whose value the committed horizon has expired. Expired values are invisible to every reader,
// so deleting them changes no output; it only gives the compacted changelog their tombstones.
Status StateStore::SweepExpired(size_t max_keys) {
  if (committed_horizon_us_ <= 0 || has_spill_) return Status::OK();  // spill: disk is not newest
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // a scan must not evict the working set from the block cache
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, data_cf_));
  it->Seek(ToSlice(sweep_cursor_));
  std::vector<std::string> expired;
  size_t seen = 0;
  for (; it->Valid() && seen < max_keys; it->Next(), ++seen) {
    std::string_view v(it->value().data(), it->value().size());
    uint64_t header;
    if (!GetVarint64(&v, &header)) return Status::Corruption("state store: value without header");
    if (internal::ExpiredBy(header, committed_horizon_us_)) expired.push_back(it->key().ToString());
  }
  VW_RETURN_IF_ERROR(FromRocks(it->status(), "state store: sweep"));
  sweep_cursor_ = it->Valid() ? it->key().ToString() : std::string();
  it.reset();
  for (const std::string& key : expired) {
    const Entry* cached = IndexFind(key, HashBytes(key));
    if (cached != nullptr && cached->dirty) continue;  // rewritten since: not expired any more
    PutEncoded(key, 0, std::nullopt);
    ++swept_;
  }
  return Status::OK();
}

Result<CommitPoint> StateStore::LastCommit() {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_cf_, ToSlice(kCommitKey), &value);
  if (s.IsNotFound()) return CommitPoint{};
  VW_RETURN_IF_ERROR(FromRocks(s, "state store: reading commit record"));
  VW_ASSIGN_OR_RETURN(Meta m, DecodeMeta(value));
  return std::move(m.point);
}

void StateStore::SetChangelogSink(ChangelogFn fn) { changelog_ = std::move(fn); }

// --- Restore ----------------------------------------------------------------------------------

Status StateStore::ApplyChangelog(std::string_view key, std::optional<std::string_view> value) {
  if (restore_batch_ == nullptr) {
    if (!dirty_.empty() || has_spill_) {
      return Status::FailedPrecondition(
          "state store: restore into a store with uncommitted writes");
    }
    ClearCache();  // clean entries would go stale: the restore writes underneath the cache
    restore_batch_ = std::make_unique<rocksdb::WriteBatch>();
  }
  if (key == kCommitKey) {
    if (!value) return Status::Corruption("changelog: commit record without a value");
    VW_RETURN_IF_ERROR(DecodeMeta(*value).status().WithContext("changelog commit record"));
    restore_commit_.emplace(*value);
    return Status::OK();
  }
  if (!key.empty() && key.front() == '\0') {
    return Status::Corruption("changelog: unknown reserved key");
  }
  // A changelog written before the current key format (key_format.h) holds its old keys until
  // they are overwritten or deleted under their new ones, which come later in the topic.
  std::optional<std::string> upgraded = internal::RewriteLegacyKey(key);
  if (upgraded) key = *upgraded;
  if (value) {
    std::string_view v = *value;
    uint64_t header;
    if (!GetVarint64(&v, &header)) return Status::Corruption("changelog: value without header");
    restore_batch_->Put(data_cf_, ToSlice(key), ToSlice(*value));
    FilterAdd(HashBytes(key));
  } else {
    restore_batch_->Delete(data_cf_, ToSlice(key));
  }
  if (restore_batch_->GetDataSize() >= kChunkBytes) return FlushRestoreBatch();
  return Status::OK();
}

Status StateStore::FlushRestoreBatch() {
  if (restore_batch_ == nullptr || restore_batch_->Count() == 0) return Status::OK();
  VW_RETURN_IF_ERROR(
      FromRocks(db_->Write(rocksdb::WriteOptions(), restore_batch_.get()), "state store: restore"));
  restore_batch_->Clear();
  return Status::OK();
}

Status StateStore::FinishRestore() {
  if (restore_batch_ == nullptr) restore_batch_ = std::make_unique<rocksdb::WriteBatch>();
  // The commit record goes in the last write: a crash mid-restore leaves a store whose commit
  // record is absent (or older), which the recovery rule rejects.
  if (restore_commit_) {
    restore_batch_->Put(meta_cf_, ToSlice(kCommitKey), ToSlice(*restore_commit_));
    VW_ASSIGN_OR_RETURN(Meta m, DecodeMeta(*restore_commit_));
    committed_horizon_us_ = pending_horizon_us_ = m.horizon_us;
    horizon_->store(m.horizon_us);
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_commits;
  VW_RETURN_IF_ERROR(FromRocks(db_->Write(wo, restore_batch_.get()), "state store: restore"));
  restore_batch_.reset();
  restore_commit_.reset();
  return Status::OK();
}

// --- Maintenance ------------------------------------------------------------------------------

Status StateStore::Checkpoint(const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  VW_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  // The data column family changes only at Commit (spills go to their own column family, which a
  // checkpoint's Open discards without a marker), so any checkpoint is at a commit point.
  return FromRocks(cp->CreateCheckpoint(dir), "checkpoint " + dir);
}

Status StateStore::ForEachCommitted(
    const std::function<void(std::string_view key, std::string_view value)>& fn) {
  return ForEachCommitted(std::string_view(), fn);
}

Status StateStore::ForEachCommitted(
    std::string_view prefix,
    const std::function<void(std::string_view key, std::string_view value)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), data_cf_));
  // An empty prefix is the whole store: no Slice over it (its data may be null, which memcmp
  // must not get, even for zero bytes).
  if (prefix.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(ToSlice(prefix));
  }
  for (; it->Valid() && (prefix.empty() || it->key().starts_with(ToSlice(prefix))); it->Next()) {
    std::string_view v(it->value().data(), it->value().size());
    uint64_t header;
    if (!GetVarint64(&v, &header)) return Status::Corruption("state store: value without header");
    fn(std::string_view(it->key().data(), it->key().size()), v);
  }
  return FromRocks(it->status(), "state store: scan");
}

Result<bool> StateStore::AnyCommittedWithPrefix(std::string_view prefix) {
  VW_CHECK(!prefix.empty()) << "AnyCommittedWithPrefix needs a prefix";
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), data_cf_));
  it->Seek(ToSlice(prefix));
  const bool found = it->Valid() && it->key().starts_with(ToSlice(prefix));
  VW_RETURN_IF_ERROR(FromRocks(it->status(), "state store: seek"));
  return found;
}

Status StateStore::Compact() {
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(o, data_cf_, nullptr, nullptr), "state store: compact");
}

Status StateStore::Flush() {
  return FromRocks(db_->Flush(rocksdb::FlushOptions(), {data_cf_, spill_cf_, meta_cf_}),
                   "state store: flush");
}

StoreStats StateStore::Stats() {
  StoreStats st;
  st.cache_entries = index_.size();
  st.cache_bytes = cache_bytes_;
  st.dirty_entries = dirty_.size();
  st.cache_hits = hits_;
  st.cache_misses = misses_;
  st.spills = spills_;
  st.swept = swept_;
  st.commits = commits_;
  uint64_t v = 0;
  if (db_->GetIntProperty(data_cf_, "rocksdb.estimate-num-keys", &v)) st.estimated_keys = v;
  if (db_->GetIntProperty(data_cf_, "rocksdb.live-sst-files-size", &v)) st.sst_bytes = v;
  if (db_->GetIntProperty(data_cf_, "rocksdb.cur-size-all-mem-tables", &v)) st.memtable_bytes = v;
  if (db_->GetIntProperty(data_cf_, "rocksdb.block-cache-usage", &v)) st.block_cache_bytes = v;
  st.filter_skipped_reads = filter_skips_;
  st.filter_bytes = filter_ != nullptr ? filter_->bytes() : 0;
  st.filter_builds = filter_builds_;
  return st;
}

// --- Key filter -------------------------------------------------------------------------------
//
// Invariant: while `filter_` is set, it holds every key that has a value in the data or the
// spill area (it may hold more: deleted and expired keys stay until a rebuild). A build keeps the
// invariant for `next_filter_` as follows: it is published (so every later write adds to it)
// before the snapshot is taken; the cache's entries with values (writes not yet committed, or
// spilled) are added at that moment; the background thread adds every key of both column families
// in the snapshot. A key written before the publication is then either in the cache or already in
// RocksDB at the snapshot.

void StateStore::FilterAdd(uint64_t hash) {
  if (filter_ != nullptr && filter_->Add(hash)) ++filter_added_;
  if (next_filter_ != nullptr) next_filter_->Add(hash);
}

bool StateStore::FilterFull() const {
  if (filter_ == nullptr || next_filter_ != nullptr) return false;
  // Rebuild once it holds more keys than its capacity (false positives climb; a scan also drops
  // the keys deleted or expired since), but scan at most about two stored keys per key added.
  return filter_live_keys_ + filter_added_ > filter_->capacity_keys() &&
         2 * filter_added_ >= filter_live_keys_;
}

void StateStore::StartFilterBuild() {
  if (filter_ == nullptr) {
    // At Open: an empty store needs no scan (and a restore into it adds every key it writes).
    std::unique_ptr<rocksdb::Iterator> data(db_->NewIterator(rocksdb::ReadOptions(), data_cf_));
    std::unique_ptr<rocksdb::Iterator> spill(db_->NewIterator(rocksdb::ReadOptions(), spill_cf_));
    data->SeekToFirst();
    spill->SeekToFirst();
    if (!data->Valid() && !spill->Valid() && data->status().ok() && spill->status().ok()) {
      filter_ = std::make_unique<KeyFilter>(filter_bytes_);
      return;
    }
  }
  next_filter_ = std::make_unique<KeyFilter>(filter_bytes_);
  index_.ForEach([this](const Entry* e) {
    if (e->value) next_filter_->Add(e->hash);
  });
  build_snapshot_ = db_->GetSnapshot();
  build_done_.store(false, std::memory_order_relaxed);
  build_scanned_.store(0, std::memory_order_relaxed);
  build_status_ = Status::OK();
  builder_ = std::thread([this, target = next_filter_.get()] {
    rocksdb::ReadOptions ro;
    ro.snapshot = build_snapshot_;
    ro.fill_cache = false;  // a scan must not evict the working set from the block cache
    Status status;
    uint64_t scanned = 0;
    for (rocksdb::ColumnFamilyHandle* cf : {data_cf_, spill_cf_}) {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const rocksdb::Slice k = it->key();
        target->Add(HashBytes(std::string_view(k.data(), k.size())));
        if (++scanned % 4096 == 0 && stop_build_.load(std::memory_order_relaxed)) break;
      }
      if (status.ok()) status = FromRocks(it->status(), "state store: key filter scan");
    }
    build_status_ = status;
    build_scanned_.store(scanned, std::memory_order_relaxed);
    build_done_.store(true, std::memory_order_release);
  });
}

void StateStore::AdoptFilterIfBuilt() {
  if (next_filter_ == nullptr || !build_done_.load(std::memory_order_acquire)) return;
  builder_.join();
  db_->ReleaseSnapshot(build_snapshot_);
  build_snapshot_ = nullptr;
  if (build_status_.ok()) {
    filter_ = std::move(next_filter_);
    filter_live_keys_ = build_scanned_.load(std::memory_order_relaxed);
    filter_added_ = 0;
    ++filter_builds_;
  } else {
    // A read error in the scan: the store's own reads will report a broken disk; until then,
    // read RocksDB rather than trust an incomplete filter.
    VW_LOG(Warn, "state store: key filter build failed")
        .Field("path", options_.path)
        .Field("error", build_status_.ToString());
    filter_.reset();
    next_filter_.reset();
  }
}

void StateStore::MaybeAdvanceFilter() {
  if (next_filter_ != nullptr) {
    AdoptFilterIfBuilt();
    return;
  }
  if (FilterFull()) StartFilterBuild();
}

void StateStore::StopFilterBuild() {
  if (!builder_.joinable()) return;
  stop_build_.store(true, std::memory_order_relaxed);
  builder_.join();
  db_->ReleaseSnapshot(build_snapshot_);
  build_snapshot_ = nullptr;
  next_filter_.reset();
}

}  // namespace vw::state
