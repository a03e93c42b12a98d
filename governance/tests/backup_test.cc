// Backup/restore over a real StateStore and the real detector Engine, on generator traffic with
// labelled attacks: run half the events, commit, back up, destroy the store, restore, run the rest
// with a fresh Engine: the alerts must equal those of an uninterrupted run.
#include "governance/backup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "generator/generator.h"
#include "governance/embedded.h"
#include "governance/tests/test_traffic.h"
#include "processors/detectors/alert.h"
#include "processors/detectors/config.h"
#include "processors/detectors/engine.h"
#include "processors/ingest/ingest.h"
#include "tests/support/temp_dir.h"

namespace vw::governance {
namespace {
namespace fs = std::filesystem;

using vw::testing::TempDir;

std::unique_ptr<state::StateStore> OpenStore(const std::string& path) {
  state::StoreOptions so;
  so.path = path;
  auto s = state::StateStore::Open(so);
  EXPECT_TRUE(s.ok()) << s.status();
  return std::move(*s);
}

// Runs events [from, to) through a fresh Engine over `store`, committing with `to` as the next
// input offset; flushes at the end if asked.
void RunEngine(state::StateStore* store, size_t from, size_t to, bool flush, Lines* out) {
  auto engine = detect::Engine::Create(TestConfig(), detect::Keying::kBoth, store);
  ASSERT_TRUE(engine.ok()) << engine.status();
  const auto& ev = Traffic();
  for (size_t i = from; i < to; ++i) (*engine)->Process(ev[i], *out);
  if (flush) (*engine)->Flush(*out);
  state::CommitPoint point;
  point.next_offsets["file/0"] = static_cast<int64_t>(to);
  (*engine)->PrepareCommit(&point);
  ASSERT_TRUE(store->Commit(point).ok());
}

TEST(BackupTest, HalfRunBackupWipeRestoreRestEqualsUninterrupted) {
  const auto& ev = Traffic();
  ASSERT_GT(ev.size(), 40000u);
  TempDir dir;
  Lines whole;
  {
    auto store = OpenStore(dir / "whole");
    RunEngine(store.get(), 0, ev.size(), /*flush=*/true, &whole);
  }
  ASSERT_GT(whole.lines.size(), 5u) << "the traffic must produce alerts for the test to mean much";

  const size_t half = ev.size() / 2;
  Lines split;
  state::CommitPoint at_backup;
  {
    auto store = OpenStore(dir / "state");
    RunEngine(store.get(), 0, half, /*flush=*/false, &split);
    at_backup = *store->LastCommit();
  }
  auto m = BackupState(dir / "state", dir / "backup");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->stores.size(), 1u);
  EXPECT_EQ(m->stores[0].relative_path, ".");
  EXPECT_EQ(m->stores[0].point, at_backup);
  EXPECT_EQ(at_backup.next_offsets.at("file/0"), static_cast<int64_t>(half));

  // Disaster: the state is gone.
  ASSERT_TRUE(state::StateStore::Destroy(dir / "state").ok());
  fs::remove_all(dir / "state");
  ASSERT_FALSE(fs::exists(dir / "state"));

  auto r = RestoreState(dir / "backup", dir / "state", /*replace=*/false);
  ASSERT_TRUE(r.ok()) << r.status();
  {
    auto store = OpenStore(dir / "state");
    auto point = store->LastCommit();
    ASSERT_TRUE(point.ok());
    ASSERT_EQ(*point, at_backup);
    // Resume from the restored commit point, as a runtime would from next_offsets.
    RunEngine(store.get(), static_cast<size_t>(point->next_offsets.at("file/0")), ev.size(),
              /*flush=*/true, &split);
  }
  std::vector<std::string> a = whole.lines, b = split.lines;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a, b);

  // Control: without the restore (empty state for the second half) the alerts differ, so the
  // equality above really depends on the restored state.
  Lines cold;
  {
    auto store = OpenStore(dir / "cold");
    RunEngine(store.get(), half, ev.size(), /*flush=*/true, &cold);
  }
  std::vector<std::string> c = split.lines;
  c.resize(0);
  Lines first_half;
  {
    auto store = OpenStore(dir / "first");
    RunEngine(store.get(), 0, half, /*flush=*/false, &first_half);
  }
  c = first_half.lines;
  c.insert(c.end(), cold.lines.begin(), cold.lines.end());
  std::sort(c.begin(), c.end());
  EXPECT_NE(a, c);
}

TEST(BackupTest, RefusesExistingTargetsAndBadBackups) {
  TempDir dir;
  {
    auto store = OpenStore(dir / "state");
    store->Put("k", "v");
    state::CommitPoint p;
    p.next_offsets["t/0"] = 7;
    ASSERT_TRUE(store->Commit(p).ok());
  }
  ASSERT_TRUE(BackupState(dir / "state", dir / "b").ok());
  EXPECT_EQ(BackupState(dir / "state", dir / "b").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(RestoreState(dir / "b", dir / "state", false).status().code(),
            StatusCode::kAlreadyExists);
  // --replace over the existing store gives the backed-up state back.
  {
    auto store = OpenStore(dir / "state");
    store->Put("k", "changed");
    state::CommitPoint p;
    p.next_offsets["t/0"] = 9;
    ASSERT_TRUE(store->Commit(p).ok());
  }
  auto replaced = RestoreState(dir / "b", dir / "state", true);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  {
    auto store = OpenStore(dir / "state");
    EXPECT_EQ(store->Get("k").value_or(""), "v");
    EXPECT_EQ(store->LastCommit()->next_offsets.at("t/0"), 7);
  }
  // Not a backup / corrupt manifest.
  EXPECT_FALSE(RestoreState(dir / "state", dir / "x", false).ok());
  { std::ofstream(dir / "b/MANIFEST.json") << "{\"format\":\"vaultwatch-state-backup/1\"}"; }
  EXPECT_FALSE(RestoreState(dir / "b", dir / "y", false).ok());
  EXPECT_FALSE(fs::exists(dir / "y"));
  EXPECT_FALSE(BackupState(dir / "nothing", dir / "b3").ok());
}

// The privacy marker (governance/embedded.h) says what identities a store holds: a backup and a
// restore carry it, so a pseudonymised store stays refused to clear runs after a restore.
TEST(BackupTest, PrivacyMarkerTravelsWithTheStore) {
  TempDir dir;
  ASSERT_TRUE(CheckAndMarkState(dir / "state", "pseudonyms 0123456789abcdef").ok());
  {
    auto store = OpenStore(dir / "state");
    store->Put("k", "v");
    ASSERT_TRUE(store->Commit(state::CommitPoint{}).ok());
  }
  ASSERT_TRUE(BackupState(dir / "state", dir / "b").ok());
  ASSERT_TRUE(RestoreState(dir / "b", dir / "back", false).ok());
  std::ifstream in(dir / ("back/" + std::string(kPrivacyMarkerName)));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "pseudonyms 0123456789abcdef");
  EXPECT_FALSE(CheckAndMarkState(dir / "back", "clear").ok());
  EXPECT_TRUE(CheckAndMarkState(dir / "back", "pseudonyms 0123456789abcdef").ok());
  auto store = OpenStore(dir / "back");  // RocksDB ignores the file
  EXPECT_EQ(store->Get("k").value_or(""), "v");
}

TEST(BackupTest, TreeOfStoresKeepsRelativePaths) {
  TempDir dir;
  for (const char* rel : {"app/i1/detect/0", "app/i1/detect/1", "app/i1/ingest/0"}) {
    auto store = OpenStore(dir / (std::string("tree/") + rel));
    store->Put("who", rel);
    state::CommitPoint p;
    p.next_offsets[std::string("in/") + rel] = 3;
    ASSERT_TRUE(store->Commit(p).ok());
  }
  auto m = BackupState(dir / "tree", dir / "b");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->stores.size(), 3u);
  ASSERT_TRUE(RestoreState(dir / "b", dir / "back", false).ok());
  for (const char* rel : {"app/i1/detect/0", "app/i1/detect/1", "app/i1/ingest/0"}) {
    auto store = OpenStore(dir / (std::string("back/") + rel));
    EXPECT_EQ(store->Get("who").value_or(""), rel);
  }
}

}  // namespace
}  // namespace vw::governance
