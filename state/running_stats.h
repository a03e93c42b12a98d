// RunningStats: running count, mean and variance per key (Welford's algorithm, numerically stable
// for long baselines), e.g. a caller's daily secret-get count.
//
// Storage: one value per key (n as a varint, mean and M2 as doubles). With a ttl, a key not
// updated for `ttl` of event time expires (use the EventTime overloads); without one it never
// expires.
//
// Ownership: a view over a StateStore it does not own. Thread-safety: as the StateStore (none).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/types.h"
#include "state/state_store.h"

namespace vw::state {

struct Moments {
  uint64_t n = 0;
  double mean = 0, variance = 0;  // population variance (M2 / n); 0 when n < 2
};

class RunningStats {
 public:
  RunningStats(StateStore* store, std::string ns);
  // `ttl` > 0: keys expire `ttl` after their last Add(key, x, t).
  RunningStats(StateStore* store, std::string ns, vw::Duration ttl);
  void Add(std::string_view key, double x);
  Moments Get(std::string_view key);
  // Event-time aware forms (needed with a ttl): Get returns empty moments once expired at `now`.
  void Add(std::string_view key, double x, vw::EventTime t);
  Moments Get(std::string_view key, vw::EventTime now);

 private:
  StateStore* store_;
  std::string prefix_;
  std::string key_buf_;  // reused: no allocation per event
  vw::Duration ttl_;
};

}  // namespace vw::state
