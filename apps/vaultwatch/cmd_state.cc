// `vaultwatch state backup DIR --state DIR` and `vaultwatch state restore DIR --state DIR`:
// argument parsing only; the work is in governance/backup.h.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "apps/vaultwatch/command.h"
#include "apps/vaultwatch/flags.h"
#include "governance/backup.h"

namespace vw::app {
namespace {

void PrintManifest(const char* verb, const governance::BackupManifest& m) {
  for (const governance::StoreBackup& b : m.stores) {
    std::fprintf(stderr, "state %s: store %s at %s (%llu files, %llu bytes)\n", verb,
                 b.relative_path.c_str(), governance::CommitPointJson(b.point).c_str(),
                 static_cast<unsigned long long>(b.files),
                 static_cast<unsigned long long>(b.bytes));
  }
}

int RunState(int argc, char** argv) {
  const char* usage =
      "usage: vaultwatch state backup DIR --state STATE_DIR\n"
      "       vaultwatch state restore DIR --state STATE_DIR [--replace]\n"
      "Backs up / restores every RocksDB state store under STATE_DIR as checkpoints consistent\n"
      "with their committed input offsets (docs/disaster-recovery.md). vaultwatch must not be\n"
      "running on STATE_DIR.\n";
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string verb = argv[1];
  if (verb != "backup" && verb != "restore") {
    std::fprintf(stderr, "state: unknown subcommand '%s'\n%s", verb.c_str(), usage);
    return 2;
  }
  FlagParser flags("state " + verb, verb == "backup"
                                        ? "Checkpoint every state store into a new directory DIR"
                                        : "Restore the stores of backup DIR into the state dir");
  std::string state_dir;
  bool replace = false;
  std::vector<std::string> positional;
  flags.String("state", &state_dir, "the state directory", /*required=*/true);
  if (verb == "restore") {
    flags.Bool("replace", &replace, "replace a non-empty state directory");
  }
  flags.Positional(&positional, "DIR");
  if (int rc = flags.Parse(argc - 1, argv + 1); rc >= 0) return rc;
  if (positional.size() != 1) {
    std::fprintf(stderr, "state %s: exactly one DIR expected\n%s", verb.c_str(), usage);
    return 2;
  }
  Result<governance::BackupManifest> m =
      verb == "backup" ? governance::BackupState(state_dir, positional[0])
                       : governance::RestoreState(positional[0], state_dir, replace);
  if (!m.ok()) {
    std::fprintf(stderr, "state %s: %s\n", verb.c_str(), m.status().ToString().c_str());
    return 1;
  }
  PrintManifest(verb == "backup" ? "backup" : "restore", *m);
  return 0;
}

}  // namespace

VW_REGISTER_COMMAND(state, "Back up or restore the RocksDB state (checkpoints at commit points)",
                    RunState);

}  // namespace vw::app
