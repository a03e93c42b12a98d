// restore_bench: how long restoring one partition's state from its changelog takes, as a
// detector stage does when it takes over a partition without its local store (a new instance, a
// lost disk, a rebalance onto another machine). Real broker, real RocksDB:
//
//   restore_bench --bootstrap 127.0.0.1:19092 [--keys 1000000] [--commit-every 20000] [--keep]
//   restore_bench --bootstrap 127.0.0.1:19092 --changelog TOPIC [--partition N] [--keep]
//
// Phase 1 (write): a store gets --keys keys through the state primitives a detector uses
// (FirstSeenMap::Touch + WindowCounter::Add: two stored keys per key), committing every
// --commit-every keys; every commit's changelog records go to a fresh one-partition compacted
// topic. Phase 2 (restore): a fresh store is rebuilt from that topic with the runtime's
// RestoreChangelog, the call a worker's restore thread makes; its commit point must equal the
// writer's. Prints records/s, MB/s, seconds and CPU-seconds of the restore.
//
// With --changelog, phase 1 is skipped and phase 2 restores partition N of an existing
// changelog topic: a detector stage's real state (every family of every detector), such as the
// one `pipeline_bench --keep true` leaves. The topic is never deleted.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "base/process_stats.h"
#include "kafka/admin.h"
#include "kafka/producer.h"
#include "runtime/changelog_restore.h"
#include "state/first_seen_map.h"
#include "state/state_store.h"
#include "state/window_counter.h"

namespace {

using namespace vw;
using namespace vw::state;

// A caller object id (36-char GUID-like) and a vault name, as state_bench.
std::string Key(uint64_t i) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "%08" PRIx64 "-4b1c-9d2e-%012" PRIx64 "|kv-prod-%03" PRIu64,
                static_cast<uint64_t>(i * 2654435761ULL % 0xffffffffULL), i, i % 997);
  return buf;
}

[[noreturn]] void Die(const char* what, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

// Phase 1: writes --keys keys' state into a store at `dir` and its changelog to `topic` (a
// fresh one-partition compacted topic). Returns the last commit point.
CommitPoint WriteState(const std::string& bootstrap, const std::string& topic,
                       const std::string& dir, uint64_t keys, uint64_t commit_every) {
  auto producer = kafka::Producer::Create(
      {{"bootstrap.servers", bootstrap}, {"linger.ms", "20"}, {"batch.size", "1000000"}});
  if (!producer.ok()) Die("producer", producer.status());
  Status waited = (*producer)->WaitForTopic(topic, 1, 30000);
  if (!waited.ok()) Die("topic", waited);
  const auto a = std::chrono::steady_clock::now();
  CommitPoint written;
  {
    auto opened = StateStore::Open({.path = dir});
    if (!opened.ok()) Die("open writer", opened.status());
    auto& store = *opened;
    Status sink_status;
    uint64_t logged = 0;
    store->SetChangelogSink([&](std::string_view key, std::optional<std::string_view> value) {
      if (!sink_status.ok()) return;
      ++logged;
      sink_status = value ? (*producer)->Produce(topic, PartitionId(0), key, *value)
                          : (*producer)->ProduceTombstone(topic, PartitionId(0), key);
    });
    FirstSeenMap seen(store.get(), "callers", Duration::Days(30));
    WindowCounter counts(store.get(), "ops", Duration::Hours(1), 24 * 14 + 1);
    const EventTime t0 = EventTime::FromSeconds(1767225600);
    int64_t offset = 0;
    auto commit = [&]() {
      CommitPoint p;
      p.next_offsets["kv.events.by-vault/0"] = offset;
      p.watermark_us = t0.micros() + offset;
      Status s = store->Commit(p);
      if (!s.ok()) Die("commit", s);
      if (!sink_status.ok()) Die("produce", sink_status);
      written = p;
    };
    for (uint64_t k = 0; k < keys; ++k) {
      const std::string key = Key(k);
      const EventTime t = t0 + Duration::Seconds(static_cast<int64_t>(k / 1000));
      seen.Touch(key, t);
      counts.Add(key, t);
      if (++offset % static_cast<int64_t>(commit_every) == 0) commit();
    }
    commit();
    Status flushed = (*producer)->Flush(300000);
    if (!flushed.ok()) Die("flush", flushed);
    std::fprintf(stderr, "[write done] %" PRIu64 " keys, %" PRIu64 " changelog records in %.1f s\n",
                 keys, logged,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }

  return written;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap, changelog;
  uint64_t keys = 1000000, commit_every = 20000;
  int32_t partition = 0;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--keep") {
      keep = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", flag.c_str());
      return 2;
    }
    const char* v = argv[++i];
    if (flag == "--bootstrap") {
      bootstrap = v;
    } else if (flag == "--keys") {
      keys = std::strtoull(v, nullptr, 10);
    } else if (flag == "--commit-every") {
      commit_every = std::strtoull(v, nullptr, 10);
    } else if (flag == "--changelog") {
      changelog = v;
    } else if (flag == "--partition") {
      partition = static_cast<int32_t>(std::strtol(v, nullptr, 10));
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (bootstrap.empty() || keys == 0 || commit_every == 0) {
    std::fprintf(stderr,
                 "usage: restore_bench --bootstrap HOST:PORT [--keys N] [--commit-every N] "
                 "[--keep]\n"
                 "       restore_bench --bootstrap HOST:PORT --changelog TOPIC [--partition N] "
                 "[--keep]\n");
    return 2;
  }
  const std::string run = "vw-restore-bench-" + std::to_string(getpid());
  const bool own_topic = changelog.empty();
  const std::string topic = own_topic ? run + "-changelog" : changelog;
  const std::string dir = (std::filesystem::temp_directory_path() / run).string();
  std::filesystem::remove_all(dir);

  auto admin = kafka::Admin::Create({{"bootstrap.servers", bootstrap}});
  if (!admin.ok()) Die("admin", admin.status());
  std::optional<CommitPoint> written;
  if (own_topic) {
    Status created =
        (*admin)->CreateTopics({{topic, 1, 1, {{"cleanup.policy", "compact"}}}}, 30000);
    if (!created.ok()) Die("create topic", created);
    written = WriteState(bootstrap, topic, dir + "/writer", keys, commit_every);
  }

  // Phase 2: restore into a fresh store.
  auto opened = StateStore::Open({.path = dir + "/restored"});
  if (!opened.ok()) Die("open restored", opened.status());
  auto& store = *opened;
  const double cpu0 = CpuSeconds();
  runtime::RestoreStats stats;
  std::atomic<bool> cancel{false};
  Status restored =
      runtime::RestoreChangelog({{"bootstrap.servers", bootstrap}}, {topic, PartitionId(partition)},
                                store.get(), &cancel, &stats);
  const double cpu = CpuSeconds() - cpu0;
  if (!restored.ok()) Die("restore", restored);
  auto last = store->LastCommit();
  if (!last.ok()) Die("last commit", last.status());
  if (written && last->next_offsets != written->next_offsets) {
    std::fprintf(stderr, "restored commit point differs from the written one\n");
    return 1;
  }
  const StoreStats st = store->Stats();
  if (own_topic) {
    std::printf("restore_bench: keys=%" PRIu64 " (stored keys ~%" PRIu64 ") commit_every=%" PRIu64
                "\n",
                keys, st.estimated_keys, commit_every);
  } else {
    std::printf("restore_bench: changelog %s partition %d (stored keys ~%" PRIu64 ")\n",
                topic.c_str(), partition, st.estimated_keys);
    for (const auto& [input, next] : last->next_offsets)
      std::printf("  commit point: %s next offset %" PRId64 "\n", input.c_str(), next);
  }
  std::printf("  restore: %" PRIu64
              " records, %.1f MB in %.2f s: %.0f records/s, %.1f MB/s, "
              "%.2f CPU-s (process); %.2f s of it writing the store\n",
              stats.records, static_cast<double>(stats.bytes) / 1e6, stats.seconds,
              static_cast<double>(stats.records) / stats.seconds,
              static_cast<double>(stats.bytes) / 1e6 / stats.seconds, cpu, stats.apply_seconds);
  store.reset();
  if (!keep) {
    std::filesystem::remove_all(dir);
    if (own_topic) {
      Status d = (*admin)->DeleteTopics({topic}, 30000);
      if (!d.ok()) std::fprintf(stderr, "deleting %s: %s\n", topic.c_str(), d.ToString().c_str());
    }
  } else {
    std::printf("kept: topic %s, state %s\n", topic.c_str(), dir.c_str());
  }
  return 0;
}
