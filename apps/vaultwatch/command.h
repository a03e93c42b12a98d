// Subcommands of the `vaultwatch` binary. Each lives in its own cmd_<name>.cc and registers itself:
//
//   VW_REGISTER_COMMAND(normalize, "Parse and normalise audit records into JSON lines",
//   RunNormalize);
//
// apps/ is argument parsing and wiring only: the work happens in the modules the command calls.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vw::app {

// argv[0] is the command name; returns the process exit code.
using CommandFn = int (*)(int argc, char** argv);

struct Command {
  std::string name;
  std::string summary;
  CommandFn run;
};

// Registry, sorted by name. Populated by static initialisers before main().
std::map<std::string, Command, std::less<>>& Commands();

struct CommandRegistrar {
  CommandRegistrar(std::string name, std::string summary, CommandFn run);
};

// Prints "<command>: <status>" on stderr and returns `exit_code`: the one way commands report
// a failure (a Status names the file, record or field; never a secret).
inline int ReportFailure(std::string_view command, const Status& status, int exit_code) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(command.size()), command.data(),
               status.ToString().c_str());
  return exit_code;
}

}  // namespace vw::app

#define VW_REGISTER_COMMAND(name, summary, fn) \
  static ::vw::app::CommandRegistrar vw_command_registrar_##name(#name, summary, fn)
