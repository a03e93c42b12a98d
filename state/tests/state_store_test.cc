#include "state/state_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "state/tests/test_util.h"

namespace vw::state {
namespace {

using testing::TempDir;

std::unique_ptr<StateStore> OpenOrDie(const StoreOptions& o) {
  auto r = StateStore::Open(o);
  EXPECT_TRUE(r.ok()) << r.status();
  return std::move(r).value();
}

CommitPoint Point(int64_t offset, int64_t wm = 0) {
  CommitPoint p;
  p.next_offsets["kv.events.by-vault/0"] = offset;
  p.watermark_us = wm;
  return p;
}

TEST(StateStoreTest, NewStoreHasEmptyCommitPoint) {
  TempDir dir;
  auto store = OpenOrDie({.path = dir.path()});
  auto last = store->LastCommit();
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->next_offsets.empty());
  EXPECT_EQ(last->watermark_us, 0);
  EXPECT_EQ(store->Get("a"), std::nullopt);
}

TEST(StateStoreTest, ReadsSeeUncommittedWritesAndCommitMakesThemDurable) {
  TempDir dir;
  {
    auto store = OpenOrDie({.path = dir.path()});
    store->Put("a", "1");
    store->Put("b", "2");
    store->Delete("b");
    EXPECT_EQ(store->Get("a"), "1");
    EXPECT_EQ(store->Get("b"), std::nullopt);
    ASSERT_TRUE(store->Commit(Point(10, 99)).ok());
    store->Put("c", "uncommitted");  // dropped at close: never committed
  }
  auto store = OpenOrDie({.path = dir.path()});
  EXPECT_EQ(store->Get("a"), "1");
  EXPECT_EQ(store->Get("b"), std::nullopt);
  EXPECT_EQ(store->Get("c"), std::nullopt);
  auto last = store->LastCommit();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, Point(10, 99));
}

TEST(StateStoreTest, SpilledWritesAreInvisibleAfterCrashBeforeCommit) {
  TempDir dir;
  StoreOptions o{.path = dir.path(), .write_cache_bytes = 4096};
  {
    auto store = OpenOrDie(o);
    store->Put("keep", "v0");
    ASSERT_TRUE(store->Commit(Point(1)).ok());
    for (int i = 0; i < 500; ++i) store->Put("k" + std::to_string(i), std::string(100, 'x'));
    store->Put("keep", "v1");
    store->Delete("keep");
    EXPECT_GT(store->Stats().spills, 0u);                // the cache bound forced early writes
    EXPECT_EQ(store->Get("k7"), std::string(100, 'x'));  // reads see spilled writes
    EXPECT_EQ(store->Get("keep"), std::nullopt);
    // Closed without Commit, like a crash between commits.
  }
  auto store = OpenOrDie(o);
  EXPECT_EQ(store->Get("k7"), std::nullopt);
  EXPECT_EQ(store->Get("keep"), "v0");
  EXPECT_EQ(*store->LastCommit(), Point(1));
}

TEST(StateStoreTest, CommitAfterSpillWritesEverythingAndEmitsChangelog) {
  TempDir dir;
  StoreOptions o{.path = dir.path(), .write_cache_bytes = 4096};
  std::map<std::string, std::optional<std::string>> log;
  std::optional<CommitPoint> logged_point;
  {
    auto store = OpenOrDie(o);
    store->SetChangelogSink([&](std::string_view k, std::optional<std::string_view> v) {
      if (StateStore::IsCommitRecord(k)) {
        logged_point = StateStore::DecodeCommitRecord(*v).value();
        return;
      }
      log[std::string(k)] = v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
    });
    store->Put("gone", "x");
    ASSERT_TRUE(store->Commit(Point(1)).ok());
    for (int i = 0; i < 300; ++i) store->Put("k" + std::to_string(i), std::to_string(i));
    store->Delete("gone");
    ASSERT_GT(store->Stats().spills, 0u);
    ASSERT_TRUE(store->Commit(Point(2)).ok());
  }
  EXPECT_EQ(log.size(), 301u);
  EXPECT_TRUE(log.contains("k299"));
  EXPECT_EQ(log["gone"], std::nullopt);
  ASSERT_TRUE(logged_point.has_value());
  EXPECT_EQ(*logged_point, Point(2));
  auto store = OpenOrDie(o);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(store->Get("k" + std::to_string(i)), std::to_string(i));
  EXPECT_EQ(store->Get("gone"), std::nullopt);
  EXPECT_EQ(*store->LastCommit(), Point(2));
}

// A commit writes and changelogs its keys in RocksDB's bytewise order, including keys that share
// their first 16 bytes, end inside them, hold zero bytes or bytes >= 0x80.
TEST(StateStoreTest, CommitEmitsItsKeysInBytewiseOrder) {
  TempDir dir;
  std::vector<std::string> keys = {"vs.pair\x01" + std::string(12, '\xff'),
                                   "vs.pair\x01" + std::string(12, '\xff') + "a",
                                   "vs.pair\x01" + std::string(12, '\xff') + std::string(1, '\0'),
                                   "vs.pair\x01" + std::string(7, '\x80') + "b",
                                   "vs.pair\x01" + std::string(7, '\x80') + "a",
                                   "vs.pair",
                                   std::string("vs.pair\0", 8),
                                   std::string("vs.pair\0\0", 9),
                                   "vs.v\x01\x7f",
                                   "vs.v\x01\x80",
                                   "a",
                                   "",
                                   "e/k/c\x01" + std::string(16, 'x'),
                                   "e/k/c\x01" + std::string(15, 'x') + "\xfe"};
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string k(std::uniform_int_distribution<int>(0, 24)(rng), '\0');
    for (char& c : k) c = static_cast<char>(std::uniform_int_distribution<int>(0, 3)(rng) * 85);
    keys.push_back("r" + k);  // keys starting with a zero byte are the store's own
  }
  std::vector<std::string> emitted;
  auto store = OpenOrDie({.path = dir.path()});
  store->SetChangelogSink([&](std::string_view k, std::optional<std::string_view>) {
    if (!StateStore::IsCommitRecord(k)) emitted.emplace_back(k);
  });
  for (const std::string& k : keys) store->Put(k, "v");
  ASSERT_TRUE(store->Commit(Point(1)).ok());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  EXPECT_EQ(emitted, keys);
}

// A value changed in place (UpdateInPlace after GetView) is a write like Put: seen by reads,
// emitted to the changelog and made durable at Commit, also when spills happen after it.
TEST(StateStoreTest, UpdateInPlaceIsCommittedAndChangelogged) {
  TempDir dir;
  StoreOptions o{.path = dir.path(), .write_cache_bytes = 4096};
  std::map<std::string, std::string> log;
  {
    auto store = OpenOrDie(o);
    store->SetChangelogSink([&](std::string_view k, std::optional<std::string_view> v) {
      if (!StateStore::IsCommitRecord(k) && v) log[std::string(k)] = std::string(*v);
    });
    store->Put("k", "abcd", EventTime::FromSeconds(1000));
    ASSERT_TRUE(store->Commit(Point(1)).ok());
    log.clear();
    ASSERT_EQ(store->GetView("k"), "abcd");  // clean, cached: the change makes it dirty
    std::span<char> body = store->UpdateInPlace("k");
    ASSERT_EQ(body.size(), 4u);
    body[0] = 'X';
    EXPECT_EQ(store->Get("k"), "Xbcd");
    EXPECT_EQ(store->Stats().dirty_entries, 1u);
    for (int i = 0; i < 300; ++i) store->Put("f" + std::to_string(i), std::to_string(i));
    ASSERT_GT(store->Stats().spills, 0u);
    ASSERT_TRUE(store->Commit(Point(2)).ok());
  }
  ASSERT_TRUE(log.contains("k"));
  EXPECT_NE(log["k"].find("Xbcd"), std::string::npos);  // after the expiry header
  auto store = OpenOrDie(o);
  EXPECT_EQ(store->Get("k"), "Xbcd");
}

TEST(StateStoreTest, CommitPointRoundTrips) {
  CommitPoint p;
  p.next_offsets["a/0"] = 5;
  p.next_offsets["b/12"] = 1LL << 40;
  p.watermark_us = -3;
  auto d = DecodeCommitPoint(EncodeCommitPoint(p));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, p);
  EXPECT_FALSE(DecodeCommitPoint("").ok());
  EXPECT_FALSE(DecodeCommitPoint(EncodeCommitPoint(p).substr(0, 5)).ok());
}

TEST(StateStoreTest, OpenRejectsEmptyPath) { EXPECT_FALSE(StateStore::Open({}).ok()); }

}  // namespace
}  // namespace vw::state

namespace vw::state {
namespace {

TEST(StateStoreCacheTest, CacheStaysWithinBoundAndServesEvictedKeysFromDisk) {
  testing::TempDir dir;
  StoreOptions o{.path = dir.path(), .write_cache_bytes = 64 << 10};
  auto store = StateStore::Open(o).value();
  for (int i = 0; i < 5000; ++i) store->Put("k" + std::to_string(i), std::string(50, 'a' + i % 26));
  ASSERT_TRUE(store->Commit({}).ok());
  EXPECT_LE(store->Stats().cache_bytes, o.write_cache_bytes);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 5000; ++i) {
      ASSERT_EQ(store->Get("k" + std::to_string(i)), std::string(50, 'a' + i % 26));
      ASSERT_LE(store->Stats().cache_bytes, o.write_cache_bytes);
    }
  }
  // A hot key stays cached while cold keys stream past it.
  const uint64_t misses = store->Stats().cache_misses;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(store->Get("k0").has_value());
    ASSERT_EQ(store->Get("absent-" + std::to_string(i)), std::nullopt);
  }
  EXPECT_EQ(store->Stats().cache_misses, misses + 200 + 1);  // k0 once, each absent key once
}

TEST(StateStoreCacheTest, SpilledThenEvictedWritesAreReadFromTheSpillArea) {
  testing::TempDir dir;
  StoreOptions o{.path = dir.path(), .write_cache_bytes = 16 << 10};
  auto store = StateStore::Open(o).value();
  store->Put("old", "committed");
  store->Put("gone", "committed");
  ASSERT_TRUE(store->Commit({}).ok());
  store->Put("old", "new");
  store->Delete("gone");
  for (int i = 0; i < 2000; ++i) store->Put("fill" + std::to_string(i), std::string(40, 'f'));
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(store->Get("fill" + std::to_string(i)).has_value());
  ASSERT_GT(store->Stats().spills, 0u);
  EXPECT_EQ(store->Get("old"), "new");
  EXPECT_EQ(store->Get("gone"), std::nullopt);
  CommitPoint p;
  p.next_offsets["t/0"] = 1;
  ASSERT_TRUE(store->Commit(p).ok());
  store.reset();
  store = StateStore::Open(o).value();
  EXPECT_EQ(store->Get("old"), "new");
  EXPECT_EQ(store->Get("gone"), std::nullopt);
  EXPECT_EQ(store->Get("fill1999"), std::string(40, 'f'));
}

// The cache against a plain map under a random mix of reads, writes, deletes and commits, with
// a cache small enough that entries go clean -> dirty -> clean -> evicted -> reloaded many times
// and the write cache spills; then again after reopening the committed store.
TEST(StateStoreCacheTest, RandomOperationsReadWhatAMapWouldHold) {
  testing::TempDir dir;
  StoreOptions o{.path = dir.path(), .write_cache_bytes = 24 << 10};
  std::map<std::string, std::string> model;
  std::mt19937_64 rng(7);
  {
    auto store = OpenOrDie(o);
    for (int step = 0; step < 30000; ++step) {
      const std::string key = "key-" + std::to_string(rng() % 600) + std::string(rng() % 40, 'x');
      switch (rng() % 8) {
        case 0:
          store->Delete(key);
          model.erase(key);
          break;
        case 1:
        case 2: {
          std::string value(rng() % 60, static_cast<char>('a' + step % 26));
          store->Put(key, value);
          model[key] = value;
          break;
        }
        case 3:
          if (step % 50 == 0) {
            ASSERT_TRUE(store->Commit(Point(step)).ok());
          }
          break;
        default: {
          auto it = model.find(key);
          ASSERT_EQ(store->Get(key),
                    it == model.end() ? std::nullopt : std::optional<std::string>(it->second))
              << "step " << step << " key " << key;
        }
      }
      ASSERT_LE(store->Stats().cache_bytes, 2 * o.write_cache_bytes);
    }
    EXPECT_GT(store->Stats().spills, 0u);
    ASSERT_TRUE(store->Commit(Point(30000)).ok());
  }
  auto reopened = OpenOrDie(o);
  for (const auto& [key, value] : model) ASSERT_EQ(reopened->Get(key), value) << key;
}

TEST(StateStoreCacheTest, RestoreRefusesUncommittedWritesAndDropsStaleCleanEntries) {
  testing::TempDir dir;
  auto store = StateStore::Open({.path = dir.path()}).value();
  store->Put("k", "dirty");
  EXPECT_EQ(store->ApplyChangelog("k", "x").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store->Commit({}).ok());
  EXPECT_EQ(store->Get("k"), "dirty");  // now a clean cached entry
  std::string encoded;
  {
    testing::TempDir other;
    auto src = StateStore::Open({.path = other.path()}).value();
    src->SetChangelogSink([&](std::string_view key, std::optional<std::string_view> v) {
      if (key == "k") encoded = std::string(*v);
    });
    src->Put("k", "restored");
    ASSERT_TRUE(src->Commit({}).ok());
  }
  ASSERT_TRUE(store->ApplyChangelog("k", encoded).ok());
  ASSERT_TRUE(store->FinishRestore().ok());
  EXPECT_EQ(store->Get("k"), "restored");
}

}  // namespace
}  // namespace vw::state

namespace vw::state {
namespace {

// Commits until the store has finished `n` key filter builds (a background scan), or 30 s.
bool WaitForFilterBuilds(StateStore* store, uint64_t n) {
  for (int i = 0; i < 3000 && store->Stats().filter_builds < n; ++i) {
    if (!store->Commit({}).ok()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return store->Stats().filter_builds >= n;
}

std::string Key(int i) {
  return "vs.pair/caller-" + std::to_string(i) + "|vault-" + std::to_string(i % 7);
}

TEST(StateStoreKeyFilterTest, ReadsOfKeysNeverWrittenSkipRocksDbAndStoredKeysAreFound) {
  testing::TempDir dir;
  // A small cache: most reads below miss it and must be answered by the filter or RocksDB.
  StoreOptions o{.path = dir.path(), .write_cache_bytes = 256 << 10};
  auto store = OpenOrDie(o);
  EXPECT_GT(store->Stats().filter_bytes, 0u);  // an empty store starts with a complete filter
  for (int i = 0; i < 20000; ++i) store->Put(Key(i), "v" + std::to_string(i));
  ASSERT_TRUE(store->Commit({}).ok());
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(store->Get(Key(i)), "v" + std::to_string(i)) << i;
  const StoreStats before = store->Stats();
  for (int i = 20000; i < 30000; ++i) ASSERT_EQ(store->Get(Key(i)), std::nullopt);
  const StoreStats after = store->Stats();
  EXPECT_EQ(after.cache_misses - before.cache_misses, 10000u);
  // 20,000 keys in a 16 KiB filter is 6.5 bits per key, past its capacity: a few percent of
  // absent keys still read RocksDB.
  EXPECT_GT(after.filter_skipped_reads - before.filter_skipped_reads, 8000u);
}

TEST(StateStoreKeyFilterTest, DisabledFilterReadsRocksDb) {
  testing::TempDir dir;
  auto store = OpenOrDie({.path = dir.path(), .key_filter = false});
  EXPECT_EQ(store->Get("absent"), std::nullopt);
  EXPECT_EQ(store->Stats().filter_skipped_reads, 0u);
  EXPECT_EQ(store->Stats().filter_bytes, 0u);
}

// A reopened store has keys the filter has not seen: it reads RocksDB until a background scan
// has rebuilt the filter, and keys written while the scan runs are in the rebuilt filter too.
TEST(StateStoreKeyFilterTest, ReopenedStoreRebuildsTheFilterWithoutLosingKeys) {
  testing::TempDir dir;
  StoreOptions o{.path = dir.path(), .write_cache_bytes = 1 << 20};
  {
    auto store = OpenOrDie(o);
    for (int i = 0; i < 50000; ++i) store->Put(Key(i), "old");
    ASSERT_TRUE(store->Commit({}).ok());
    // Spilled and not committed: discarded at the next Open, so never found.
    for (int i = 0; i < 100; ++i) store->Put("uncommitted-" + std::to_string(i), "x");
  }
  auto store = OpenOrDie(o);
  EXPECT_EQ(store->Stats().filter_bytes, 0u);  // not consulted until the scan is done
  EXPECT_EQ(store->Get(Key(7)), "old");
  for (int i = 50000; i < 50100; ++i) store->Put(Key(i), "during the scan");
  ASSERT_TRUE(WaitForFilterBuilds(store.get(), 1));
  EXPECT_GT(store->Stats().filter_bytes, 0u);
  const uint64_t skipped = store->Stats().filter_skipped_reads;
  for (int i = 0; i < 50000; i += 97) ASSERT_EQ(store->Get(Key(i)), "old") << i;
  for (int i = 50000; i < 50100; ++i) ASSERT_EQ(store->Get(Key(i)), "during the scan") << i;
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(store->Get("uncommitted-" + std::to_string(i)), std::nullopt);
  for (int i = 60000; i < 61000; ++i) ASSERT_EQ(store->Get(Key(i)), std::nullopt);
  EXPECT_GT(store->Stats().filter_skipped_reads, skipped + 900);
}

// A reopened store puts its rebuilt filter in use as soon as the scan is done, without waiting
// for a Commit (`detect` commits every million events).
TEST(StateStoreKeyFilterTest, ReopenedStoreUsesTheRebuiltFilterBeforeItsFirstCommit) {
  testing::TempDir dir;
  StoreOptions o{.path = dir.path(), .write_cache_bytes = 1 << 20};
  {
    auto store = OpenOrDie(o);
    for (int i = 0; i < 50000; ++i) store->Put(Key(i), "old");
    ASSERT_TRUE(store->Commit({}).ok());
  }
  auto store = OpenOrDie(o);
  // Reads of keys never written (each a new key: a second read of one would hit the cache)
  // until the scan is done, for at most 30 s.
  int absent = 100000;
  for (int i = 0; i < 3000 && store->Stats().filter_builds == 0; ++i, ++absent) {
    ASSERT_EQ(store->Get(Key(absent)), std::nullopt);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(store->Stats().filter_builds, 1u);
  const uint64_t skipped = store->Stats().filter_skipped_reads;
  for (int i = 0; i < 1000; ++i, ++absent) ASSERT_EQ(store->Get(Key(absent)), std::nullopt);
  EXPECT_GT(store->Stats().filter_skipped_reads, skipped + 900);
  for (int i = 0; i < 50000; i += 97) ASSERT_EQ(store->Get(Key(i)), "old") << i;
  EXPECT_EQ(store->Stats().commits, 0u);
}

// A filter past its capacity is rebuilt from a scan while writes go on; no key goes missing.
TEST(StateStoreKeyFilterTest, FullFilterIsRebuiltWhileWritesContinue) {
  testing::TempDir dir;
  StoreOptions o{.path = dir.path(), .write_cache_bytes = 64 << 10};  // a 4 KiB filter
  auto store = OpenOrDie(o);
  const size_t capacity = (o.write_cache_bytes / 16) * 8 / KeyFilter::kBitsPerKey;
  int written = 0;
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 500; ++i, ++written) store->Put(Key(written), "v");
    ASSERT_TRUE(store->Commit({}).ok());
  }
  ASSERT_GT(static_cast<size_t>(written), 4 * capacity);
  ASSERT_TRUE(WaitForFilterBuilds(store.get(), 1));
  for (int i = 0; i < written; ++i) ASSERT_EQ(store->Get(Key(i)), "v") << i;
  ASSERT_TRUE(store->Commit({}).ok());
  store.reset();
  store = OpenOrDie(o);
  ASSERT_TRUE(WaitForFilterBuilds(store.get(), 1));
  for (int i = 0; i < written; ++i) ASSERT_EQ(store->Get(Key(i)), "v") << i;
}

TEST(StateStoreKeyFilterTest, RestoredKeysAreInTheFilter) {
  testing::TempDir src_dir, dst_dir;
  std::vector<std::pair<std::string, std::optional<std::string>>> log;
  {
    auto src = OpenOrDie({.path = src_dir.path()});
    src->SetChangelogSink([&](std::string_view key, std::optional<std::string_view> v) {
      log.emplace_back(std::string(key),
                       v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    });
    for (int i = 0; i < 5000; ++i) src->Put(Key(i), "r");
    ASSERT_TRUE(src->Commit(Point(1)).ok());
  }
  auto dst = OpenOrDie({.path = dst_dir.path(), .write_cache_bytes = 64 << 10});
  for (const auto& [key, value] : log) {
    ASSERT_TRUE(
        dst->ApplyChangelog(key, value ? std::optional<std::string_view>(*value) : std::nullopt)
            .ok());
  }
  ASSERT_TRUE(dst->FinishRestore().ok());
  ASSERT_GT(dst->Stats().filter_bytes, 0u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(dst->Get(Key(i)), "r") << i;
  EXPECT_EQ(dst->Get(Key(5001)), std::nullopt);
}

}  // namespace
}  // namespace vw::state
