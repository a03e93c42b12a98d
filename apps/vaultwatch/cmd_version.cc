#include <cstdio>

#include "apps/vaultwatch/command.h"

namespace vw::app {
namespace {

int RunVersion(int, char**) {
  std::printf("vaultwatch 0.1.0\n");
  return 0;
}

}  // namespace

VW_REGISTER_COMMAND(version, "Print the version", RunVersion);

}  // namespace vw::app
