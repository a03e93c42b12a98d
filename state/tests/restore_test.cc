// Restore from the changelog on a real RocksDB: a store rebuilt from a (compacted) changelog holds
// exactly the state and commit point of the last committed transaction; records of a transaction
// that aborted are not part of it; the recovery rule rejects a store that ran ahead.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "state/distinct_counter.h"
#include "state/first_seen_map.h"
#include "state/recovery.h"
#include "state/sequence_tracker.h"
#include "state/state_store.h"
#include "state/tests/test_util.h"
#include "state/window_counter.h"

namespace vw::state {
namespace {

using testing::Contents;
using testing::TempDir;

struct Record {
  std::string key;
  std::optional<std::string> value;
};

// A changelog topic: transactions of records; only committed ones are visible (read_committed).
struct FakeChangelog {
  std::vector<Record> open_txn;
  std::vector<Record> committed;
  void CommitTxn() {
    committed.insert(committed.end(), open_txn.begin(), open_txn.end());
    open_txn.clear();
  }
  void AbortTxn() { open_txn.clear(); }
  // What log compaction leaves: the last record of each key, in offset order; tombstones may be
  // removed entirely (delete.retention.ms passed).
  std::vector<Record> Compacted(bool drop_tombstones) const {
    std::map<std::string, size_t> last;
    for (size_t i = 0; i < committed.size(); ++i) last[committed[i].key] = i;
    std::vector<Record> out;
    for (size_t i = 0; i < committed.size(); ++i) {
      if (last[committed[i].key] != i) continue;
      if (drop_tombstones && !committed[i].value) continue;
      out.push_back(committed[i]);
    }
    return out;
  }
};

CommitPoint Point(int64_t off) {
  CommitPoint p;
  p.next_offsets["kv.events.by-caller/3"] = off;
  p.watermark_us = off * 1000;
  return p;
}

// One "transaction" of detector-like work: primitives and raw keys, including deletes.
void Work(StateStore* s, int round) {
  WindowCounter w(s, "w", Duration::Minutes(1), 60);
  FirstSeenMap f(s, "f", Duration::Hours(1));
  DistinctCounter d(s, "d", Duration::Hours(1), 24, 4);
  SequenceTracker q(s, "q", Duration::Minutes(10), 5);
  for (int i = 0; i < 200; ++i) {
    const std::string key = "caller-" + std::to_string((i * 7 + round) % 50);
    const EventTime t = EventTime::FromSeconds(round * 600 + i);
    w.Add(key, t);
    f.Touch(key + "/ip-" + std::to_string(i % 9), t);
    d.Add(key, "vault-" + std::to_string(i % 13), t);
    q.Push(key, {t, static_cast<uint32_t>(i % 3), "s" + std::to_string(i)});
  }
  s->Put("round", std::to_string(round));
  s->Delete("tmp-" + std::to_string(round - 1));
  s->Put("tmp-" + std::to_string(round), "x");
}

class RestoreTest : public ::testing::TestWithParam<size_t> {};

TEST_P(RestoreTest, RebuiltStoreEqualsLastCommittedTransaction) {
  TempDir dir;
  FakeChangelog log;
  StoreOptions opts{.path = dir.sub("a"), .write_cache_bytes = GetParam()};
  auto a = StateStore::Open(opts).value();
  a->SetChangelogSink([&](std::string_view k, std::optional<std::string_view> v) {
    log.open_txn.push_back({std::string(k), v ? std::optional<std::string>(*v) : std::nullopt});
  });
  // A reference store that only ever sees the committed transactions.
  auto ref = StateStore::Open({.path = dir.sub("ref")}).value();
  for (int round = 1; round <= 5; ++round) {
    Work(a.get(), round);
    ASSERT_TRUE(a->Commit(Point(round * 100)).ok());
    log.CommitTxn();
    Work(ref.get(), round);
    ASSERT_TRUE(ref->Commit(Point(round * 100)).ok());
  }
  // Round 6: RocksDB commits, then the process dies before the Kafka transaction commits.
  Work(a.get(), 6);
  ASSERT_TRUE(a->Commit(Point(600)).ok());
  log.AbortTxn();
  const std::map<std::string, int64_t> kafka_committed = Point(500).next_offsets;

  EXPECT_EQ(DecideRecovery(a->LastCommit().value(), kafka_committed), RecoveryAction::kRebuild);
  EXPECT_EQ(DecideRecovery(ref->LastCommit().value(), kafka_committed), RecoveryAction::kKeep);
  EXPECT_NE(Contents(a.get()), Contents(ref.get()));  // a really ran ahead

  for (bool drop_tombstones : {false, true}) {
    const std::string path = dir.sub(drop_tombstones ? "b2" : "b1");
    ASSERT_TRUE(StateStore::Destroy(path).ok());
    auto b = StateStore::Open({.path = path}).value();
    for (const Record& r : log.Compacted(drop_tombstones)) {
      ASSERT_TRUE(b->ApplyChangelog(
                       r.key, r.value ? std::optional<std::string_view>(*r.value) : std::nullopt)
                      .ok());
    }
    ASSERT_TRUE(b->FinishRestore().ok());
    EXPECT_EQ(b->LastCommit().value(), Point(500));
    EXPECT_EQ(DecideRecovery(b->LastCommit().value(), kafka_committed), RecoveryAction::kKeep);
    EXPECT_EQ(Contents(b.get()), Contents(ref.get()));
    // And it keeps working like the reference: the next round gives the same state.
    Work(b.get(), 6);
    ASSERT_TRUE(b->Commit(Point(600)).ok());
  }
  Work(ref.get(), 6);
  ASSERT_TRUE(ref->Commit(Point(600)).ok());
  a.reset();
  auto b1 = StateStore::Open({.path = dir.sub("b1")}).value();
  EXPECT_EQ(Contents(b1.get()), Contents(ref.get()));
}

// A large cache commits in one batch; a tiny one spills and commits through the spill area.
INSTANTIATE_TEST_SUITE_P(CacheSizes, RestoreTest, ::testing::Values(64u << 20, 8u << 10));

TEST(RestoreTestSingle, CrashMidRestoreLeavesNoCommitPoint) {
  TempDir dir;
  std::vector<Record> records;
  {
    auto a = StateStore::Open({.path = dir.sub("a")}).value();
    a->SetChangelogSink([&](std::string_view k, std::optional<std::string_view> v) {
      records.push_back({std::string(k), v ? std::optional<std::string>(*v) : std::nullopt});
    });
    for (int i = 0; i < 1000; ++i) a->Put("k" + std::to_string(i), std::string(5000, 'v'));
    ASSERT_TRUE(a->Commit(Point(7)).ok());
  }
  {
    auto b = StateStore::Open({.path = dir.sub("b")}).value();
    for (const Record& r : records) {
      ASSERT_TRUE(b->ApplyChangelog(r.key, r.value).ok());
    }
    // No FinishRestore: the process "dies" here (some chunks of 4 MB were already written).
  }
  auto b = StateStore::Open({.path = dir.sub("b")}).value();
  EXPECT_TRUE(b->LastCommit().value().next_offsets.empty());
  EXPECT_EQ(DecideRecovery(b->LastCommit().value(), Point(7).next_offsets),
            RecoveryAction::kRebuild);
}

TEST(RestoreTestSingle, ExpiredKeysGetChangelogTombstonesSoTheTopicDoesNotGrow) {
  TempDir dir;
  FakeChangelog log;
  auto a = StateStore::Open({.path = dir.sub("a"), .sweep_keys_per_commit = 300}).value();
  a->SetChangelogSink([&](std::string_view k, std::optional<std::string_view> v) {
    log.open_txn.push_back({std::string(k), v ? std::optional<std::string>(*v) : std::nullopt});
  });
  FirstSeenMap f(a.get(), "f", Duration::Hours(1));
  for (int i = 0; i < 1000; ++i) f.Touch("old" + std::to_string(i), EventTime::FromSeconds(0));
  f.Touch("live", EventTime::FromSeconds(7000));
  a->Put("raw", "never expires");
  ASSERT_TRUE(a->Commit(Point(1)).ok());
  log.CommitTxn();
  a->ExpireBefore(EventTime::FromSeconds(7000));
  ASSERT_TRUE(a->Commit(Point(2)).ok());  // the horizon becomes committed here
  log.CommitTxn();
  for (int64_t p = 3; p < 10; ++p) {  // 300 keys per commit: 1002 keys take 4 commits
    ASSERT_TRUE(a->Commit(Point(p)).ok());
    log.CommitTxn();
  }
  EXPECT_EQ(a->Stats().swept, 1000u);
  auto compacted = log.Compacted(/*drop_tombstones=*/true);
  EXPECT_EQ(compacted.size(), 3u);  // live, raw, the commit record
  auto b = StateStore::Open({.path = dir.sub("b")}).value();
  for (const Record& r : compacted) ASSERT_TRUE(b->ApplyChangelog(r.key, r.value).ok());
  ASSERT_TRUE(b->FinishRestore().ok());
  EXPECT_EQ(Contents(b.get()), Contents(a.get()));
  EXPECT_EQ(Contents(b.get()).size(), 2u);
  FirstSeenMap fb(b.get(), "f", Duration::Hours(1));
  EXPECT_TRUE(fb.Get("live", EventTime::FromSeconds(7000)).has_value());
}

TEST(RestoreTestSingle, RejectsMalformedRecords) {
  TempDir dir;
  auto b = StateStore::Open({.path = dir.path()}).value();
  EXPECT_FALSE(b->ApplyChangelog(std::string_view("\0vw.commit", 10), "garbage").ok());
  EXPECT_FALSE(b->ApplyChangelog(std::string_view("\0other", 6), "x").ok());
  EXPECT_FALSE(b->ApplyChangelog("k", std::string_view("\xff", 1)).ok());  // no valid header
}

}  // namespace
}  // namespace vw::state
