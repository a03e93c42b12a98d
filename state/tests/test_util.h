// Test support for the state module: the shared TempDir (tests/support/temp_dir.h) under the
// name the state tests use.
#pragma once

#include "tests/support/temp_dir.h"

namespace vw::state::testing {

using TempDir = vw::testing::TempDir;

}  // namespace vw::state::testing
