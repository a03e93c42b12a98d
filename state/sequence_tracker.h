// SequenceTracker: the last few steps per key within an event-time window, e.g. a caller's
// SecretList followed by SecretGets (secret dumping), or a VaultPut followed by Gets.
//
// Storage: one value per key holding at most `max_steps` steps, ordered by time; steps older than
// `window` before the key's newest step are dropped on write; the key expires `window` after its
// newest step.
//
// Ownership: a view over a StateStore it does not own. Thread-safety: as the StateStore (none).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.h"
#include "state/state_store.h"

namespace vw::state {

struct Step {
  vw::EventTime t;
  uint32_t tag;        // caller-defined (e.g. an operation code)
  std::string detail;  // caller-defined, short (e.g. a secret name); keep it small
  friend bool operator==(const Step&, const Step&) = default;
};

class SequenceTracker {
 public:
  SequenceTracker(StateStore* store, std::string ns, vw::Duration window, size_t max_steps);
  // Inserts `step` in time order (late steps land in place); keeps the newest `max_steps` within
  // `window` of the newest step.
  void Push(std::string_view key, const Step& step);
  // The retained steps with t >= since, oldest first.
  std::vector<Step> Recent(std::string_view key, vw::EventTime since);

 private:
  StateStore* store_;
  std::string prefix_;
  std::string key_buf_;  // reused: no allocation per event
  vw::Duration window_;
  size_t max_steps_;
};

}  // namespace vw::state
