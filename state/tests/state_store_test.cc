#include "state/state_store.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

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
