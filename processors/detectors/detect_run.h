// RunDetect: the embedded `vaultwatch detect`: reads audit records from a file or stdin (every
// shape ingest accepts), runs the by-vault and by-caller detectors in one Engine over one
// StateStore (a temporary one unless `state_dir` is given), and writes one alert JSON per line.
//
// Output order: alerts are written at the end, sorted by (TimeGenerated, AlertType,
// SystemAlertId), so that the file does not depend on how events of different keys interleave in
// the input: two runs, or runs over inputs shuffled within the allowed lateness, give the same
// bytes. Until then each alert waits in an unlinked spool file in the state directory (its
// serialised Alert: about 1 KB of disk) and memory holds only its sort key (about 100 bytes).
//
// Not thread-safe (one run per call); the apps/ command is a thin wrapper.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "processors/detectors/alert_formats.h"
#include "processors/detectors/config.h"
#include "vw/v1/access_event.pb.h"
#include "vw/v1/alert.pb.h"

namespace vw::detect {

struct DetectRunOptions {
  std::string input = "-";         // file path or "-" for stdin
  std::string output = "-";        // file path or "-" for stdout
  std::string state_dir;           // "" = a temporary directory, deleted at the end
  int64_t commit_every = 1000000;  // events between store commits (bounds the write cache)
  bool progress = false;           // a progress line on stderr (the command sets it for a tty)
  const Clock* clock = nullptr;    // wall clock for progress and events/s (default: system)
  // How each alert line is rendered (alert_formats.h).
  AlertFormat alert_format = AlertFormat::kDefender;

  // Optional hooks for the privacy and feedback duties. apps/ wires them from
  // governance/, which sits above this module. `event_transform` rewrites each event before the
  // engine keys, buffers or stores it (Engine::SetEventTransform: pseudonymised state);
  // `alert_transform` rewrites each alert before it is rendered (pseudonymised alerts);
  // `keep_alert` sees each alert (after `alert_transform`) in output order and returns false to
  // drop it (analyst-feedback suppression). Called on the calling thread.
  std::function<void(v1::AccessEvent*)> event_transform;
  // Engine::SetEarlyAlerts: off by default, so every detector decides in the canonical event
  // order and the alerts do not depend on the input's order within the allowed lateness. On for
  // a live stream on stdin: alerts on arrival and when a threshold is crossed.
  bool early_alerts = false;
  std::function<void(v1::Alert*)> alert_transform;
  std::function<bool(const v1::Alert& alert)> keep_alert;
};

struct DetectRunSummary {
  uint64_t records_in = 0, events = 0, dead_letters = 0, skipped = 0, late = 0, ignored = 0;
  uint64_t alerts = 0, suppressed = 0;
  // Alerts `keep_alert` dropped; counted in `alerts` and `alerts_by_type` (what the detectors
  // found) but not written.
  uint64_t alerts_filtered = 0;
  std::map<std::string, uint64_t> alerts_by_type;
  double seconds = 0;       // wall time
  double cpu_seconds = 0;   // process CPU time (user + system) during the run
  int64_t peak_rss_kb = 0;  // process peak RSS at the end
  // The state store's reads: those its cache answered, and of the misses, those the key filter
  // answered without RocksDB (key never written); the rest read RocksDB.
  uint64_t state_cache_hits = 0, state_cache_misses = 0, state_filter_skipped = 0;
  // The engine's key entries found under the names of an older store and moved to the current
  // ones (EngineStats::migrated_keys).
  uint64_t migrated_keys = 0;
  std::string ToText() const;  // the human summary the command prints
  std::string ToJson() const;  // one line
};

Result<DetectRunSummary> RunDetect(const DetectConfig& config, const DetectRunOptions& options);

}  // namespace vw::detect
