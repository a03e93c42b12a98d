#include "governance/backup.h"

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/clock.h"
#include "base/logging.h"
#include "base/time_format.h"
#include "forensics/timeline.h"
#include "governance/embedded.h"

namespace vw::governance {
namespace fs = std::filesystem;
namespace {

constexpr char kFormat[] = "vaultwatch-state-backup/1";

bool IsStore(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "CURRENT", ec);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

Result<std::string> Unhex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::Corruption("odd-length hex");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return Status::Corruption("bad hex digit");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// Files and bytes of a directory tree.
void Measure(const fs::path& dir, StoreBackup* s) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      ++s->files;
      s->bytes += it->file_size(ec);
    }
  }
}

std::string TempSibling(const fs::path& target) {
  std::string t = target.string();
  while (t.size() > 1 && t.back() == '/') t.pop_back();
  return t + ".tmp-" + std::to_string(getpid());
}

Result<state::CommitPoint> OpenAndReadCommit(const std::string& path) {
  state::StoreOptions so;
  so.path = path;
  so.write_cache_bytes = 1 << 20;
  so.block_cache_bytes = 1 << 20;
  VW_ASSIGN_OR_RETURN(std::unique_ptr<state::StateStore> store, state::StateStore::Open(so));
  return store->LastCommit();
}

// Removes a temporary directory tree unless disarmed (after the rename that publishes it).
struct TempTree {
  fs::path dir;
  bool on = true;
  ~TempTree() {
    std::error_code e;
    if (on) fs::remove_all(dir, e);
  }
};

// Where a store lives inside a backup: "store" for a state dir that is one store, else
// "stores/<relative path>" (RocksDB's checkpoint wants a directory that does not exist yet).
fs::path StoreInBackup(const fs::path& root, const std::string& rel) {
  return rel == "." ? root / "store" : root / kStoresDirName / rel;
}

}  // namespace

std::string CommitPointJson(const state::CommitPoint& p) {
  std::string s = "{\"next_offsets\":{";
  bool first = true;
  for (const auto& [tp, off] : p.next_offsets) {
    if (!first) s += ",";
    first = false;
    s += forensics::JsonString(tp) + ":" + std::to_string(off);
  }
  s += "},\"watermark_us\":" + std::to_string(p.watermark_us);
  s += ",\"watermark\":" +
       forensics::JsonString(p.watermark_us == 0
                                 ? std::string()
                                 : FormatRfc3339(EventTime::FromMicros(p.watermark_us)));
  s += "}";
  return s;
}

std::string ManifestJson(const BackupManifest& m) {
  std::string s = "{\"format\":" + forensics::JsonString(kFormat) +
                  ",\"created\":" + forensics::JsonString(m.created) + ",\"stores\":[";
  for (size_t i = 0; i < m.stores.size(); ++i) {
    const StoreBackup& b = m.stores[i];
    if (i > 0) s += ",";
    s += "\n {\"path\":" + forensics::JsonString(b.relative_path) +
         ",\"commit\":" + CommitPointJson(b.point) + ",\"commit_record\":\"" +
         Hex(state::EncodeCommitPoint(b.point)) + "\",\"files\":" + std::to_string(b.files) +
         ",\"bytes\":" + std::to_string(b.bytes) + "}";
  }
  s += "\n]}\n";
  return s;
}

Result<std::vector<std::string>> FindStores(const std::string& state_dir) {
  std::error_code ec;
  fs::path root(state_dir);
  if (!fs::is_directory(root, ec)) return Status::NotFound(state_dir + ": no such directory");
  std::vector<std::string> out;
  if (IsStore(root)) return std::vector<std::string>{"."};
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    if (IsStore(it->path())) {
      out.push_back(fs::relative(it->path(), root, ec).string());
      it.disable_recursion_pending();  // a store's own subdirectories are not stores
    }
  }
  if (ec) return Status::IOError(state_dir + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Result<BackupManifest> BackupState(const std::string& state_dir, const std::string& backup_dir) {
  std::error_code ec;
  if (fs::exists(backup_dir, ec)) {
    return Status::AlreadyExists(backup_dir + ": exists (a backup goes into a new directory)");
  }
  VW_ASSIGN_OR_RETURN(std::vector<std::string> stores, FindStores(state_dir));
  if (stores.empty()) return Status::NotFound(state_dir + ": no state store found");

  const fs::path tmp = TempSibling(backup_dir);
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return Status::IOError(tmp.string() + ": " + ec.message());
  TempTree cleanup{tmp};

  BackupManifest m;
  m.created = FormatRfc3339(EventTime::FromMicros(SystemClock::Default()->NowMicros()));
  for (const std::string& rel : stores) {
    StoreBackup b;
    b.relative_path = rel;
    const fs::path src = fs::path(state_dir) / rel;
    const fs::path dst = StoreInBackup(tmp, rel);
    fs::create_directories(dst.parent_path(), ec);
    state::StoreOptions so;
    so.path = src.string();
    so.write_cache_bytes = 1 << 20;
    so.block_cache_bytes = 1 << 20;
    Result<std::unique_ptr<state::StateStore>> store = state::StateStore::Open(so);
    if (!store.ok()) {
      return Status::FailedPrecondition(src.string() + ": cannot open the store (is vaultwatch " +
                                        "still running on it?): " + store.status().ToString());
    }
    VW_ASSIGN_OR_RETURN(b.point, (*store)->LastCommit());
    // Nothing is written between LastCommit and Checkpoint: the store is closed to others (LOCK)
    // and this process does not write, so the checkpoint holds exactly the state of b.point.
    VW_RETURN_IF_ERROR((*store)->Checkpoint(dst.string()));
    store->reset();
    // The privacy marker (embedded.h) travels with the store: what identities it holds.
    if (fs::exists(src / kPrivacyMarkerName, ec)) {
      fs::copy_file(src / kPrivacyMarkerName, dst / kPrivacyMarkerName, ec);
      if (ec) return Status::IOError((dst / kPrivacyMarkerName).string() + ": " + ec.message());
    }
    // The checkpoint must open on its own and name the same commit point.
    VW_ASSIGN_OR_RETURN(state::CommitPoint check, OpenAndReadCommit(dst.string()));
    if (!(check == b.point)) {
      return Status::Internal(src.string() + ": checkpoint does not reflect the commit point");
    }
    Measure(dst, &b);
    m.stores.push_back(std::move(b));
  }
  {
    std::ofstream out(tmp / kManifestName, std::ios::binary);
    out << ManifestJson(m);
    out.flush();
    if (!out) return Status::IOError((tmp / kManifestName).string() + ": write failed");
  }
  fs::rename(tmp, backup_dir, ec);
  if (ec) return Status::IOError(backup_dir + ": " + ec.message());
  cleanup.on = false;
  VW_LOG(Info, "state backup written")
      .Field("backup", backup_dir)
      .Field("stores", static_cast<int64_t>(m.stores.size()));
  return m;
}

Result<BackupManifest> ReadManifest(const std::string& backup_dir) {
  const std::string path = (fs::path(backup_dir) / kManifestName).string();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(path).get(doc) != simdjson::SUCCESS) {
    return Status::Corruption(path + ": missing or not JSON (not a vaultwatch state backup?)");
  }
  std::string_view format;
  if (doc["format"].get(format) != simdjson::SUCCESS || format != kFormat) {
    return Status::Corruption(path + ": unknown format (want " + std::string(kFormat) + ")");
  }
  BackupManifest m;
  std::string_view created;
  if (doc["created"].get(created) == simdjson::SUCCESS) m.created = std::string(created);
  simdjson::dom::array stores;
  if (doc["stores"].get(stores) != simdjson::SUCCESS) {
    return Status::Corruption(path + ": 'stores' missing");
  }
  for (simdjson::dom::element s : stores) {
    StoreBackup b;
    std::string_view rel, record;
    if (s["path"].get(rel) != simdjson::SUCCESS ||
        s["commit_record"].get(record) != simdjson::SUCCESS) {
      return Status::Corruption(path + ": a store lacks 'path' or 'commit_record'");
    }
    b.relative_path = std::string(rel);
    if (b.relative_path.empty() || b.relative_path.find("..") != std::string::npos ||
        b.relative_path[0] == '/') {
      return Status::Corruption(path + ": bad store path '" + b.relative_path + "'");
    }
    VW_ASSIGN_OR_RETURN(std::string bytes, Unhex(record));
    VW_ASSIGN_OR_RETURN(b.point, state::DecodeCommitPoint(bytes));
    uint64_t n = 0;
    if (s["files"].get(n) == simdjson::SUCCESS) b.files = n;
    if (s["bytes"].get(n) == simdjson::SUCCESS) b.bytes = n;
    m.stores.push_back(std::move(b));
  }
  if (m.stores.empty()) return Status::Corruption(path + ": no stores");
  return m;
}

Result<BackupManifest> RestoreState(const std::string& backup_dir, const std::string& state_dir,
                                    bool replace) {
  VW_ASSIGN_OR_RETURN(BackupManifest m, ReadManifest(backup_dir));
  std::error_code ec;
  const fs::path target(state_dir);
  if (fs::exists(target, ec) && !fs::is_empty(target, ec)) {
    if (!replace) {
      return Status::AlreadyExists(state_dir +
                                   ": not empty (stop vaultwatch and pass --replace to overwrite)");
    }
  }
  const fs::path tmp = TempSibling(target);
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return Status::IOError(tmp.string() + ": " + ec.message());
  TempTree cleanup{tmp};

  for (const StoreBackup& b : m.stores) {
    const fs::path src = StoreInBackup(backup_dir, b.relative_path);
    const fs::path dst = tmp / b.relative_path;
    if (!IsStore(src)) return Status::Corruption(src.string() + ": store missing from the backup");
    fs::create_directories(dst, ec);
    // Copies, not hard links: the backup must stay untouched by the restored store's writes.
    fs::copy(src, dst, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec) return Status::IOError(dst.string() + ": " + ec.message());
    VW_ASSIGN_OR_RETURN(state::CommitPoint got, OpenAndReadCommit(dst.string()));
    if (!(got == b.point)) {
      return Status::Corruption(src.string() + ": restored store's commit point " +
                                CommitPointJson(got) + " differs from the manifest's " +
                                CommitPointJson(b.point));
    }
  }
  if (fs::exists(target, ec)) {
    // Destroy the stores being replaced (RocksDB's own deletion), then the rest of the tree.
    Result<std::vector<std::string>> old = FindStores(state_dir);
    if (old.ok()) {
      for (const std::string& rel : *old) {
        VW_RETURN_IF_ERROR(
            state::StateStore::Destroy((rel == "." ? target : target / rel).string()));
      }
    }
    fs::remove_all(target, ec);
    if (ec) return Status::IOError(state_dir + ": " + ec.message());
  }
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  fs::rename(tmp, target, ec);
  if (ec) return Status::IOError(state_dir + ": " + ec.message());
  cleanup.on = false;
  VW_LOG(Info, "state restored")
      .Field("backup", backup_dir)
      .Field("state", state_dir)
      .Field("stores", static_cast<int64_t>(m.stores.size()));
  return m;
}

}  // namespace vw::governance
