// Internal to the state module: helpers shared by the primitives.
#pragma once

#include <string>
#include <string_view>

#include "base/check.h"
#include "base/types.h"
#include "state/key_format.h"

namespace vw::state::internal {

// "<ns>\x01": the key prefix of a primitive (key_format.h). Namespaces are short names chosen
// in code.
inline std::string MakePrefix(std::string_view ns) {
  VW_CHECK(ValidNamespace(ns)) << "state namespace '" << ns
                               << "' is not 1-32 characters of [A-Za-z0-9._-]";
  std::string p(ns);
  p.push_back(kDigestKeyMark);
  return p;
}

// The index of the bucket of width `w` holding `t` (floor, also for negative times).
inline int64_t BucketIndex(EventTime t, Duration w) { return t.FloorTo(w).micros() / w.micros(); }

}  // namespace vw::state::internal
