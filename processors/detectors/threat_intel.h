// ThreatIntel: the TOR exit-node, suspicious-IP and Microsoft-range lists (configs/threat-intel/),
// loaded from files and reloaded without restart. Each file is either a plain list (one IP or
// CIDR per line, '#' comments: the Tor Project's bulk exit list is one), the Tor Project's
// exit-addresses format, or Azure's service-tags JSON (optionally only some tags: for the
// Microsoft list, threat_intel.microsoft_service_tags); the format is recognised from the content.
//
// Reload: MaybeReload() checks the files' modification times at most once per `reload_interval`
// of the injected Clock's time (wall clock in production, ManualClock in tests) and swaps in the
// new lists when a file changed. A file that fails to parse keeps the previous list (logged).
// The Engine calls MaybeReload() every few thousand events; a SIGHUP handler may call
// RequestReload() (async-signal-safe: it only sets an atomic flag).
//
// Thread-safety: Lookups and MaybeReload() from one thread; RequestReload() from anywhere.
// Lists are shared_ptr<const IpSet>, so a snapshot may be held while a reload happens.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "processors/detectors/config.h"
#include "processors/detectors/ip_set.h"

namespace vw::detect {

class ThreatIntel {
 public:
  // Loads every list named in `config` (an empty path is an empty list; a missing file is an
  // error). `clock` must outlive this object.
  static Result<std::unique_ptr<ThreatIntel>> Load(const DetectConfig& config, const Clock* clock);
  // A ThreatIntel with the given lists (tests, benchmarks).
  static std::unique_ptr<ThreatIntel> FromSets(IpSet tor, IpSet suspicious, IpSet microsoft,
                                               IpSet internal);

  bool IsTor(std::string_view ip) const { return tor_->Contains(ip); }
  bool IsSuspicious(std::string_view ip) const { return suspicious_->Contains(ip); }
  bool IsMicrosoft(std::string_view ip) const { return microsoft_->Contains(ip); }
  bool IsInternal(std::string_view ip) const { return internal_->Contains(ip); }

  // Reloads changed files if `reload_interval` passed since the last check or a reload was
  // requested. Returns how many lists were swapped.
  int MaybeReload();
  void RequestReload() { reload_requested_.store(true); }
  uint64_t reloads() const { return reloads_; }

 private:
  struct ListFile {
    std::string path;
    std::vector<std::string> service_tags;  // service-tags JSON: the tags selected; {} = all
    int64_t mtime_ns = 0;
    uintmax_t size = 0;
  };
  ThreatIntel() = default;
  static Result<IpSet> LoadFile(const ListFile& file);
  bool ReloadOne(ListFile* file, std::shared_ptr<const IpSet>* target);

  const Clock* clock_ = nullptr;
  Duration interval_;
  int64_t last_check_us_ = 0;
  std::atomic<bool> reload_requested_{false};
  uint64_t reloads_ = 0;
  ListFile tor_file_, suspicious_file_, microsoft_file_;
  std::shared_ptr<const IpSet> tor_, suspicious_, microsoft_, internal_;
};

}  // namespace vw::detect
