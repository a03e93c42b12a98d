// vaultwatch: threat detection for Azure Key Vault audit logs. `vaultwatch help` lists commands.
#include <cstdio>
#include <cstring>
#include <exception>

#include "apps/vaultwatch/command.h"
#include "base/logging.h"

namespace vw::app {

std::map<std::string, Command, std::less<>>& Commands() {
  static std::map<std::string, Command, std::less<>> commands;
  return commands;
}

CommandRegistrar::CommandRegistrar(std::string name, std::string summary, CommandFn run) {
  Commands()[name] = Command{name, std::move(summary), run};
}

namespace {

int Usage(FILE* out) {
  std::fprintf(out,
               "vaultwatch: threat detection for Azure Key Vault audit logs\n\n"
               "usage: vaultwatch COMMAND [flags]   (vaultwatch COMMAND --help for its flags)\n\n"
               "commands:\n");
  for (const auto& [name, cmd] : Commands()) {
    std::fprintf(out, "  %-12s %s\n", name.c_str(), cmd.summary.c_str());
  }
  return out == stdout ? 0 : 2;
}

}  // namespace
}  // namespace vw::app

int main(int argc, char** argv) {
  vw::InitLoggingFromEnv();
  if (argc < 2 || std::strcmp(argv[1], "help") == 0 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "-h") == 0) {
    return vw::app::Usage(argc < 2 ? stderr : stdout);
  }
  auto& commands = vw::app::Commands();
  auto it = commands.find(argv[1]);
  if (it == commands.end()) {
    std::fprintf(stderr, "vaultwatch: unknown command '%s'\n\n", argv[1]);
    return vw::app::Usage(stderr);
  }
  // Exceptions stop at this edge: inside, errors are values.
  try {
    return it->second.run(argc - 1, argv + 1);
  } catch (const std::exception& e) {
    VW_LOG(Error, "uncaught exception").Field("command", argv[1]).Field("what", e.what());
    return 1;
  }
}
