// Child process of the state crash-consistency test: opens the store at argv[1], continues the
// deterministic workload from the store's last commit, and prints each commit number to stdout
// after Commit returns, forever, until it is killed (kill -9 by the parent).
#include <cstdio>
#include <cstdlib>

#include "state/state_store.h"
#include "tests/integration/state_crash_workload.h"

int main(int argc, char** argv) {
  using namespace vw::state;
  if (argc != 2) {
    std::fprintf(stderr, "usage: state_crash_child DIR\n");
    return 2;
  }
  auto store = StateStore::Open({.path = argv[1], .write_cache_bytes = crashtest::kCacheBytes});
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  auto last = (*store)->LastCommit();
  if (!last.ok()) return 1;
  int64_t n =
      last->next_offsets.contains(crashtest::kInput) ? last->next_offsets.at(crashtest::kInput) : 0;
  for (;;) {
    ++n;
    for (auto& w : crashtest::Writes(n)) {
      if (w.value) {
        (*store)->Put(w.key, *w.value);
      } else {
        (*store)->Delete(w.key);
      }
    }
    CommitPoint p;
    p.next_offsets[crashtest::kInput] = n;
    p.watermark_us = n;
    auto s = (*store)->Commit(p);
    if (!s.ok()) {
      std::fprintf(stderr, "commit: %s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("%lld\n", static_cast<long long>(n));
    std::fflush(stdout);
  }
}
