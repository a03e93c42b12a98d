// State backup and restore (`vaultwatch state backup|restore`): RocksDB checkpoints of every
// StateStore under a state directory, each consistent with the CommitPoint (input offsets +
// watermark) it reflects, plus a MANIFEST.json naming those points. See docs/disaster-recovery.md.
//
// A state directory is either one store (the embedded `detect --state DIR`) or a tree of them (the
// runtime's <state_dir>/<app>/<instance>/<stage>/<partition>); every directory holding a RocksDB
// CURRENT file is a store, and its relative path is kept in the backup.
//
// Both operations need the stores closed (RocksDB's LOCK file makes Open fail otherwise: the
// process using them must be stopped first, or call StateStore::Checkpoint in-process). They write
// into a temporary sibling directory and rename it into place last, so an interrupted backup or
// restore never leaves a half-written DIR behind. Restore re-opens every restored store and checks
// its LastCommit() against the manifest.
//
// Thread-safety: plain functions; concurrent calls on the same directories are not supported.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "state/state_store.h"

namespace vw::governance {

struct StoreBackup {
  std::string relative_path;  // "." for a state directory that is itself one store
  state::CommitPoint point;   // what the checkpoint's contents reflect
  uint64_t files = 0, bytes = 0;
};

struct BackupManifest {
  std::string created;  // wall-clock RFC 3339 (informational only)
  std::vector<StoreBackup> stores;
};

inline constexpr char kManifestName[] = "MANIFEST.json";
inline constexpr char kStoresDirName[] = "stores";

// Finds the stores under `state_dir` (sorted by relative path).
Result<std::vector<std::string>> FindStores(const std::string& state_dir);

// Checkpoints every store under `state_dir` into `backup_dir` (which must not exist).
Result<BackupManifest> BackupState(const std::string& state_dir, const std::string& backup_dir);

// Restores `backup_dir` into `state_dir`, which must not exist or be empty unless `replace` is
// set (then every existing store there is destroyed first). Verifies each restored store.
Result<BackupManifest> RestoreState(const std::string& backup_dir, const std::string& state_dir,
                                    bool replace);

// Reads and checks a backup's manifest.
Result<BackupManifest> ReadManifest(const std::string& backup_dir);

std::string ManifestJson(const BackupManifest& m);
std::string CommitPointJson(const state::CommitPoint& p);

}  // namespace vw::governance
