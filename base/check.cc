#include "base/check.h"

#include <cstdio>
#include <cstdlib>

namespace vw::internal {

CheckFailure::CheckFailure(const char* file, int line, const char* condition) {
  msg_ << file << ":" << line << ": check failed: " << condition << " ";
}

CheckFailure::~CheckFailure() {
  std::fprintf(stderr, "%s\n", msg_.str().c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace vw::internal
