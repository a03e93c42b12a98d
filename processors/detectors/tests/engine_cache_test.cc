// The engine's bounded key cache (Engine::SetKeyCacheBytes) and the expiry of its per-key state,
// over a real StateStore (RocksDB in a temporary directory).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "processors/detectors/engine.h"
#include "processors/detectors/tests/make_event.h"
#include "state/key_digest.h"
#include "state/state_store.h"
#include "tests/support/alert_sink.h"

namespace vw::detect {
namespace {

constexpr int64_t kHour = 3600LL * 1000000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z

using Ev = test_support::EventSpec;

using Collect = ::vw::testing::CollectingAlertSink;

using test_support::TestIntel;

// Many callers, each on 1-3 of many vaults over ten days, a few from TOR or suspicious
// addresses and a few reading many secrets: more keys than a small key cache holds, and alerts.
std::vector<v1::AccessEvent> ManyKeys() {
  std::vector<v1::AccessEvent> out;
  for (int day = 0; day < 10; ++day) {
    for (int c = 0; c < 3000; ++c) {
      Ev e;
      e.t = kT0 + day * kDay + (c % 600) * 60LL * 1000000 + day;
      e.oid = "user-" + std::to_string(c);
      e.upn = e.oid + "@contoso.com";
      e.vault = "kv-" + std::to_string((c * 7 + day % (1 + c % 3)) % 900);
      e.target = "secret-" + std::to_string(c % 40);
      if (c % 97 == 0) e.ip = "192.0.2." + std::to_string(c % 200);
      if (c % 89 == 0) e.ip = "203.0.113." + std::to_string(c % 200);
      out.push_back(test_support::MakeEvent(e));
      if (c % 501 == 0 && day == 9) {  // a dump: many distinct secrets in a few minutes
        for (int i = 0; i < 60; ++i) {
          e.t += 1000000;
          e.target = "dump-" + std::to_string(i);
          out.push_back(test_support::MakeEvent(e));
        }
      }
    }
  }
  return out;
}

struct RunResult {
  std::vector<std::string> alerts;
  std::map<std::string, std::string> committed;  // the store after the final commit
  EngineStats stats;
  size_t max_resident_bytes = 0;
};

class EngineCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { intel_ = TestIntel(); }
  std::string Dir() {
    std::string d = ::testing::TempDir() + "/engine_cache_test_" + std::to_string(::getpid()) +
                    "_" + std::to_string(counter_++);
    std::filesystem::remove_all(d);
    dirs_.push_back(d);
    return d;
  }
  void TearDown() override {
    for (const std::string& d : dirs_) std::filesystem::remove_all(d);
  }

  // Runs `events` with a key cache of `key_cache_bytes` (0: the default), committing every
  // `commit_every` events and at the end.
  RunResult RunWith(const std::vector<v1::AccessEvent>& events, size_t key_cache_bytes,
                    size_t commit_every) {
    RunResult r;
    auto store = state::StateStore::Open({.path = Dir()}).value();
    auto engine = Engine::Create(config_, Keying::kBoth, store.get(), intel_.get()).value();
    if (key_cache_bytes > 0) engine->SetKeyCacheBytes(key_cache_bytes);
    Collect sink;
    auto commit = [&] {
      state::CommitPoint p;
      engine->PrepareCommit(&p);
      ASSERT_TRUE(store->Commit(p).ok());
    };
    for (size_t i = 0; i < events.size(); ++i) {
      engine->Process(events[i], sink);
      r.max_resident_bytes =
          std::max<size_t>(r.max_resident_bytes, engine->stats().resident_key_bytes);
      if ((i + 1) % commit_every == 0) commit();
    }
    engine->Flush(sink);
    commit();
    r.alerts = sink.lines;
    r.stats = engine->stats();
    EXPECT_TRUE(store
                    ->ForEachCommitted([&](std::string_view k, std::string_view v) {
                      r.committed.emplace(std::string(k), std::string(v));
                    })
                    .ok());
    return r;
  }

  static inline int counter_ = 0;
  std::vector<std::string> dirs_;
  DetectConfig config_;
  std::unique_ptr<ThreatIntel> intel_;
};

TEST_F(EngineCacheTest, ASmallKeyCacheEvictsWithinItsBudgetAndChangesNothing) {
  const std::vector<v1::AccessEvent> events = ManyKeys();
  const RunResult full = RunWith(events, 0, 5000);
  ASSERT_GT(full.alerts.size(), 10u);
  EXPECT_EQ(full.stats.evicted_keys, 0u);
  // ~3,900 keys at a few hundred bytes each do not fit in 1 MiB.
  ASSERT_GT(full.stats.resident_key_bytes, size_t{1} << 20);

  const RunResult small = RunWith(events, 1 << 20, 5000);
  EXPECT_GT(small.stats.evicted_keys, 1000u);
  // Within the budget, but for the keys added between two evictions' checks (one key each).
  EXPECT_LE(small.max_resident_bytes, (size_t{1} << 20) + 4096);
  EXPECT_EQ(small.alerts, full.alerts);
  // Evicted keys were written into the store and loaded back: the committed state is the same
  // byte for byte as that of the run that kept every key in memory.
  EXPECT_EQ(small.committed.size(), full.committed.size());
  EXPECT_TRUE(small.committed == full.committed);
}

TEST_F(EngineCacheTest, EvictedKeysReloadWithTheirStateAcrossCommits) {
  // A commit between evictions and reloads: what was evicted before a commit is committed.
  const std::vector<v1::AccessEvent> events = ManyKeys();
  const RunResult full = RunWith(events, 0, 700);
  const RunResult small = RunWith(events, 1 << 20, 700);
  EXPECT_GT(small.stats.evicted_keys, 1000u);
  EXPECT_EQ(small.alerts, full.alerts);
  EXPECT_TRUE(small.committed == full.committed);
}

TEST_F(EngineCacheTest, AKeysStateIsDroppedByCompactionOnceItsRetentionHasPassed) {
  config_.state_retention = Duration::Days(2);
  auto store = state::StateStore::Open({.path = Dir()}).value();
  auto engine = Engine::Create(config_, Keying::kBoth, store.get(), intel_.get()).value();
  Collect sink;
  auto commit = [&] {
    state::CommitPoint p;
    engine->PrepareCommit(&p);
    ASSERT_TRUE(store->Commit(p).ok());
  };
  // Stored keys that name `key`: by its digest (the engine's entries and the primitives keyed by
  // it alone) or as it is (the engine's marker of buffered events).
  auto count = [&](const std::string& key) {
    std::string digest;
    state::AppendKeyDigest(&digest, key);
    size_t n = 0;
    EXPECT_TRUE(store
                    ->ForEachCommitted([&](std::string_view k, std::string_view) {
                      if (k.find(digest) != std::string_view::npos ||
                          k.find(key) != std::string_view::npos) {
                        ++n;
                      }
                    })
                    .ok());
    return n;
  };
  Ev once;
  once.t = kT0;
  once.oid = "one-shot";
  once.vault = "kv-once";
  engine->Process(test_support::MakeEvent(once), sink);
  Ev other;
  other.oid = "steady";
  for (int day = 0; day <= 45; day += 5) {
    other.t = kT0 + kHour + day * kDay;
    engine->Process(test_support::MakeEvent(other), sink);
    commit();
  }
  // Day 45: the one-shot key's engine state (retention 2 days after its last event) and every
  // detector value of it (the longest, a known caller, 30 days) are kept until compaction drops
  // them...
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_GT(count("one-shot"), 0u);
  ASSERT_GT(count(test_support::MakeEvent(once).vault_id()), 0u);
  ASSERT_TRUE(store->Compact().ok());
  // ... which drops them all, without any store-wide scan by the engine.
  EXPECT_EQ(count("one-shot"), 0u);
  EXPECT_EQ(count(test_support::MakeEvent(once).vault_id()), 0u);
  EXPECT_GT(count("steady"), 0u);
}

}  // namespace
}  // namespace vw::detect
