// The broker the integration tests use: VW_KAFKA_BOOTSTRAP (host:port), set by the test driver
// (scripts/test starts a broker with scripts/kafka-local). Header-only.
#pragma once

#include <cstdlib>
#include <string>

namespace vw::testing {

// "" when no broker is configured: the tests then fail with a message naming the variable.
inline std::string Bootstrap() {
  const char* b = std::getenv("VW_KAFKA_BOOTSTRAP");
  return b == nullptr ? "" : b;
}

}  // namespace vw::testing
