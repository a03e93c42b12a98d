// VW_CHECK: crash loudly when an invariant does not hold. For bugs, never for bad input (bad input
// is a Status or a dead-letter entry). Active in every build type.
//
//   VW_CHECK(offset >= 0) << "offset " << offset;
#pragma once

#include <sstream>

namespace vw::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return msg_; }

 private:
  std::ostringstream msg_;
};

// Lets `VW_CHECK(c) << x` compile to a void expression in both branches.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace vw::internal

#define VW_CHECK(condition)                 \
  (condition) ? (void)0                     \
              : ::vw::internal::Voidify() & \
                    ::vw::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()
