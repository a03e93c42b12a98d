// state_bench: state updates/s, bytes per key on disk and RSS as the number of distinct keys
// grows (1M and 10M keys: DESIGN.md asks for millions of callers). A CLI printing figures, run on a
// real RocksDB:
//
//   state_bench --keys 1000000 [--updates 2000000] [--commit-every 20000] [--dir /tmp/x]
//
// Phase 1 (load): every key gets a FirstSeenMap::Touch and a WindowCounter::Add (2 state updates
// per event), committing every --commit-every events, as a partition task would. Phase 2
// (steady): --updates more events on uniformly random existing keys, so reads miss the cache and
// go to RocksDB. Phase 3 (hot): --updates events over 10,000 hot keys (the cache's case). Then
// flush + full compaction, and bytes on disk per key.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "base/process_stats.h"
#include "state/first_seen_map.h"
#include "state/state_store.h"
#include "state/window_counter.h"

namespace {

// CPU seconds of the whole process (all threads, RocksDB's background ones included): on a
// shared machine, updates per CPU-second is the figure that does not depend on the neighbours.
using vw::CpuSeconds;
using vw::Duration;
using vw::EventTime;
using namespace vw::state;

uint64_t DirBytes(const std::string& dir, const char* ext) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && (ext == nullptr || e.path().extension() == ext)) {
      total += e.file_size();
    }
  }
  return total;
}

// A realistic key: a caller object id (36-char GUID-like) and a vault name.
std::string Key(uint64_t i) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "%08" PRIx64 "-4b1c-9d2e-%012" PRIx64 "|kv-prod-%03" PRIu64,
                static_cast<uint64_t>(i * 2654435761ULL % 0xffffffffULL), i, i % 997);
  return buf;
}

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t keys = 1000000, updates = 2000000, commit_every = 20000;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--keys") {
      keys = std::strtoull(v, nullptr, 10);
    } else if (flag == "--updates") {
      updates = std::strtoull(v, nullptr, 10);
    } else if (flag == "--commit-every") {
      commit_every = std::strtoull(v, nullptr, 10);
    } else if (flag == "--dir") {
      dir = v;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if ((argc - 1) % 2 != 0 || keys == 0 || commit_every == 0) {
    std::fprintf(stderr,
                 "usage: state_bench [--keys N] [--updates N] [--commit-every N] [--dir D]\n");
    return 2;
  }
  const bool own_dir = dir.empty();
  if (own_dir) {
    dir = (std::filesystem::temp_directory_path() / ("vw-state-bench-" + std::to_string(getpid())))
              .string();
  }
  std::filesystem::remove_all(dir);
  auto opened = StateStore::Open({.path = dir});
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  auto& store = *opened;
  FirstSeenMap seen(store.get(), "callers", Duration::Days(30));
  WindowCounter counts(store.get(), "ops", Duration::Hours(1), 24 * 14 + 1);
  const EventTime t0 = EventTime::FromSeconds(1767225600);
  int64_t offset = 0;
  auto commit = [&]() {
    CommitPoint p;
    p.next_offsets["kv.events.by-vault/0"] = offset;
    p.watermark_us = t0.micros() + offset;
    auto s = store->Commit(p);
    if (!s.ok()) {
      std::fprintf(stderr, "commit: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  };
  auto event = [&](uint64_t k, EventTime t) {
    const std::string key = Key(k);
    seen.Touch(key, t);
    counts.Add(key, t);
    if (++offset % static_cast<int64_t>(commit_every) == 0) commit();
  };

  auto a = std::chrono::steady_clock::now();
  const double cpu_a = CpuSeconds();
  for (uint64_t k = 0; k < keys; ++k) {
    event(k, t0 + Duration::Seconds(static_cast<int64_t>(k / 1000)));  // ~1000 events/s
  }
  commit();
  auto b = std::chrono::steady_clock::now();
  const double cpu_b = CpuSeconds();
  const double load_s = Seconds(a, b);
  const int64_t rss_load_kb = vw::CurrentRssKb();
  // Progress line now (a 10M-key run is long on a shared machine); the summary comes at the end.
  std::fprintf(stderr, "[load done] %" PRIu64 " keys in %.1f s (%.1f CPU-s), RSS %.0f MB\n", keys,
               load_s, cpu_b - cpu_a, static_cast<double>(rss_load_kb) / 1024);

  std::mt19937_64 rng(42);
  const EventTime t1 = t0 + Duration::Seconds(static_cast<int64_t>(keys / 1000));
  for (uint64_t i = 0; i < updates; ++i) {
    event(rng() % keys, t1 + Duration::Seconds(static_cast<int64_t>(i / 1000)));
  }
  commit();
  auto c = std::chrono::steady_clock::now();
  const double cpu_c = CpuSeconds();
  const double steady_s = Seconds(b, c);
  const int64_t rss_steady_kb = vw::CurrentRssKb();
  std::fprintf(stderr, "[steady done] %" PRIu64 " updates in %.1f s (%.1f CPU-s), RSS %.0f MB\n",
               updates, steady_s, cpu_c - cpu_b, static_cast<double>(rss_steady_kb) / 1024);

  // Phase 3 (hot): real tenants are skewed (a few busy callers and vaults make most events):
  // updates over 10,000 hot keys, which the cache holds.
  const uint64_t hot_keys = std::min<uint64_t>(keys, 10000);
  const EventTime t2 = t1 + Duration::Seconds(static_cast<int64_t>(updates / 1000));
  for (uint64_t i = 0; i < updates; ++i) {
    event(rng() % hot_keys, t2 + Duration::Seconds(static_cast<int64_t>(i / 1000)));
  }
  commit();
  auto d = std::chrono::steady_clock::now();
  const double cpu_d = CpuSeconds();
  const double hot_s = Seconds(c, d);

  if (!store->Flush().ok() || !store->Compact().ok()) {
    std::fprintf(stderr, "flush/compact failed\n");
    return 1;
  }
  const StoreStats st = store->Stats();
  const uint64_t sst = DirBytes(dir, ".sst");
  const uint64_t all = DirBytes(dir, nullptr);
  std::printf("state_bench: keys=%" PRIu64 " (x2 primitives: %" PRIu64
              " stored keys) updates=%" PRIu64 " commit_every=%" PRIu64 "\n",
              keys, st.estimated_keys, updates, commit_every);
  std::printf(
      "  load:   %.0f state updates/s wall, %.0f per CPU-second (new keys, %.1f s, %.1f CPU-s)\n",
      2.0 * static_cast<double>(keys) / load_s, 2.0 * static_cast<double>(keys) / (cpu_b - cpu_a),
      load_s, cpu_b - cpu_a);
  if (updates > 0) {
    std::printf(
        "  steady: %.0f state updates/s wall, %.0f per CPU-second (random existing keys, %.1f s, "
        "%.1f CPU-s)\n",
        2.0 * static_cast<double>(updates) / steady_s,
        2.0 * static_cast<double>(updates) / (cpu_c - cpu_b), steady_s, cpu_c - cpu_b);
    std::printf(
        "  hot:    %.0f state updates/s wall, %.0f per CPU-second (10,000 hot keys, %.1f s, "
        "%.1f CPU-s)\n",
        2.0 * static_cast<double>(updates) / hot_s,
        2.0 * static_cast<double>(updates) / (cpu_d - cpu_c), hot_s, cpu_d - cpu_c);
  }
  std::printf(
      "  disk:   %.1f bytes/stored key in SST files (%.1f MB), %.1f MB directory total\n",
      static_cast<double>(sst) / static_cast<double>(std::max<uint64_t>(1, st.estimated_keys)),
      static_cast<double>(sst) / 1e6, static_cast<double>(all) / 1e6);
  std::printf(
      "  memory: RSS %.0f MB after load, %.0f MB after steady phase, peak %.0f MB "
      "(block cache %.0f MB, memtables %.0f MB, write cache bound 64 MB)\n",
      static_cast<double>(rss_load_kb) / 1024, static_cast<double>(rss_steady_kb) / 1024,
      static_cast<double>(vw::PeakRssKb()) / 1024, static_cast<double>(st.block_cache_bytes) / 1e6,
      static_cast<double>(st.memtable_bytes) / 1e6);
  store.reset();
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
