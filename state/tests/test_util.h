// Test support for the state module: the shared TempDir (tests/support/temp_dir.h) under the
// name the state tests use, and a store's committed contents as a map.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>

#include "state/state_store.h"
#include "tests/support/temp_dir.h"

namespace vw::state::testing {

using TempDir = vw::testing::TempDir;

// Every committed key and value body of `store` (StateStore::ForEachCommitted).
inline std::map<std::string, std::string> Contents(StateStore* store) {
  std::map<std::string, std::string> out;
  EXPECT_TRUE(store
                  ->ForEachCommitted([&](std::string_view k, std::string_view v) {
                    out.emplace(std::string(k), std::string(v));
                  })
                  .ok());
  return out;
}

}  // namespace vw::state::testing
