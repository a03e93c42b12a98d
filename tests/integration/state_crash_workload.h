// The deterministic workload shared by the crash-consistency test and its child process: commit
// number n applies Writes(n) and commits CommitPoint{"in/0" -> n}. Some commits are big enough to
// overflow a small write cache, so the spill path is crashed into too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace vw::state::crashtest {

struct Write {
  std::string key;
  std::optional<std::string> value;  // nullopt = delete
};

inline std::vector<Write> Writes(int64_t n) {
  std::mt19937_64 rng(static_cast<uint64_t>(n) * 0x9e3779b97f4a7c15ULL);
  std::vector<Write> w;
  const int count = n % 7 == 0 ? 3000 : 40;  // every 7th commit spills (see the cache bound)
  for (int i = 0; i < count; ++i) {
    std::string key = "k" + std::to_string(rng() % 5000);
    if (rng() % 5 == 0) {
      w.push_back({std::move(key), std::nullopt});
    } else {
      w.push_back({std::move(key), "v" + std::to_string(n) + "-" + std::to_string(i) +
                                       std::string(static_cast<size_t>(rng() % 200), 'x')});
    }
  }
  w.push_back({"last-commit", std::to_string(n)});
  return w;
}

// The state after commits 1..n.
inline std::map<std::string, std::string> Expected(int64_t n) {
  std::map<std::string, std::string> m;
  for (int64_t i = 1; i <= n; ++i) {
    for (auto& w : Writes(i)) {
      if (w.value) {
        m[w.key] = *w.value;
      } else {
        m.erase(w.key);
      }
    }
  }
  return m;
}

constexpr size_t kCacheBytes = 128 << 10;
inline constexpr char kInput[] = "in/0";

}  // namespace vw::state::crashtest
