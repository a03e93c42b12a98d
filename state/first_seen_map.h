// FirstSeenMap: first/last seen event time per key with expiry (callers per vault, vaults per
// caller, IPs per caller, operations per caller, (caller, secret) pairs...). A key unseen for
// `ttl` of event time is forgotten: the next Touch reports it as new again.
//
// Storage: one small value per key (first, last as varints); it expires at last + ttl, after
// which StateStore::ExpireBefore may drop it physically (invisible: reads at t >= last + ttl
// already treat it as absent).
//
// Ownership: a view over a StateStore it does not own. Thread-safety: as the StateStore (none).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/types.h"
#include "state/state_store.h"

namespace vw::state {

struct Sighting {
  bool is_new;          // never seen, or not seen within ttl before this touch
  vw::EventTime first;  // first sighting (of the current, unexpired life of the key)
  vw::EventTime last;   // last sighting before this touch (== first when new)
};

class FirstSeenMap {
 public:
  FirstSeenMap(StateStore* store, std::string ns, vw::Duration ttl);
  // Records a sighting at `t`. Late (out-of-order) sightings move `first` back, never `last`.
  Sighting Touch(std::string_view key, vw::EventTime t);
  // The key's state as of `now` (nullopt if never seen or expired); is_new is false.
  std::optional<Sighting> Get(std::string_view key, vw::EventTime now);

 private:
  StateStore* store_;
  std::string prefix_;
  vw::Duration ttl_;
  std::string key_buf_, body_buf_;  // reused: no allocation per event in steady state
};

}  // namespace vw::state
