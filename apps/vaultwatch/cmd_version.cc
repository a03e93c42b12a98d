#include <cstdio>

#include "apps/vaultwatch/command.h"
#include "apps/vaultwatch/flags.h"

namespace vw::app {
namespace {

int RunVersion(int argc, char** argv) {
  // Parsed like every command's flags, so that `version --help` shows help rather than running.
  FlagParser flags("version", "Print the version");
  if (int rc = flags.Parse(argc, argv); rc >= 0) return rc;
  std::printf("vaultwatch 0.1.0\n");
  return 0;
}

}  // namespace

VW_REGISTER_COMMAND(version, "Print the version", RunVersion);

}  // namespace vw::app
