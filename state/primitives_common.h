// Internal to the state module: helpers shared by the primitives.
#pragma once

#include <string>
#include <string_view>

#include "base/check.h"
#include "base/types.h"

namespace vw::state::internal {

// "<ns>\0": the key prefix of a primitive. Namespaces are short names chosen in code.
inline std::string MakePrefix(std::string_view ns) {
  VW_CHECK(!ns.empty()) << "state namespace must not be empty";
  VW_CHECK(ns.find('\0') == std::string_view::npos) << "state namespace must not contain \\0";
  std::string p(ns);
  p.push_back('\0');
  return p;
}

// The index of the bucket of width `w` holding `t` (floor, also for negative times).
inline int64_t BucketIndex(EventTime t, Duration w) { return t.FloorTo(w).micros() / w.micros(); }

}  // namespace vw::state::internal
