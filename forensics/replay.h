// Replay: re-runs the detectors over a past time range of a topic or file, into an isolated
// state, to reproduce the alerts the live pipeline produced for that range (same SystemAlertIds,
// same bytes) - `vaultwatch replay`.
//
// How it matches the live pipeline:
//  - the very same detect::Engine and DetectConfig as `vaultwatch detect` and the pipeline's
//    detector stages, over a fresh StateStore in a temporary directory (never the live state);
//  - a warm-up period [from - warmup, from) feeds the engine (baselines, first-seen sets, learning
//    periods) but its alerts are not emitted. The Engine has no "mute" switch, so the replay layer
//    filters: an alert is emitted iff its TimeGenerated (the event time of its last evidence, a
//    deterministic value) lies in [from, to). Alerts generated during the warm-up still enter the
//    engine's suppression state, exactly as they did live, so a later detection in the same window
//    is folded into them in both runs;
//  - events up to `to + tail` are read (tail = 2 x allowed lateness by default) so that the per-key
//    watermarks move past `to` as they did live; alerts generated at or after `to` are dropped;
//  - at the end of the input the engine is flushed (as `detect` does at end of file and the
//    pipeline does on end-of-input markers): alerts whose evidence lies before `to` are reported
//    even if the live pipeline still holds them until that key's next event.
// Reproduction is exact when the warm-up reaches back to the start of the live run's input (or
// beyond the longest baseline/retention window, 35 days by default); with a shorter warm-up,
// detectors whose baselines are incomplete may stay silent where the live run fired.
//
// Output: one alert JSON per line (docs/contracts.md section 4), sorted by (TimeGenerated,
// AlertType, SystemAlertId), to a file, stdout ("-") or a Kafka topic ("kafka:TOPIC", key =
// SystemAlertId, as on kv.alerts).
//
// Not thread-safe (one run per call). Errors are Status values; bad records are counted.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "base/types.h"
#include "kafka/types.h"
#include "processors/detectors/alert_formats.h"
#include "processors/detectors/config.h"
#include "processors/detectors/engine.h"

namespace vw::forensics {

struct ReplayOptions {
  std::string input;         // FILE, "-", or "kafka:TOPIC[,TOPIC]" (see event_source.h)
  std::string output = "-";  // FILE, "-", or "kafka:TOPIC"
  EventTime from, to;        // the range whose alerts are emitted: TimeGenerated in [from, to)
  Duration warmup = Duration::Days(14);  // read before `from` without emitting. Default 14 days
  Duration tail = Duration::Micros(-1);  // read after `to`; < 0 = 2 x allowed_lateness
  Duration max_delay = Duration::Micros(-1);      // record timestamp vs event time; < 0 = lateness
  detect::Keying keying = detect::Keying::kBoth;  // which detectors (one copy of the stream!)
  kafka::Config kafka;    // client properties for Kafka input/output (bootstrap.servers, TLS...)
  std::string state_dir;  // "" = a temporary directory, deleted at the end
  bool flush_at_end = true;
  int64_t commit_every = 1000000;  // events between store commits (bounds the write cache)
  bool progress = false;           // progress line on stderr
  const Clock* clock = nullptr;    // wall clock for progress and rates (default: system)
  detect::AlertFormat alert_format = detect::AlertFormat::kDefender;  // alert_formats.h
};

struct ReplaySummary {
  std::string source;  // what was read
  uint64_t records = 0, events = 0, warmup_events = 0, out_of_range = 0, dead_letters = 0;
  uint64_t late = 0;
  uint64_t alerts = 0;            // emitted (TimeGenerated in [from, to))
  uint64_t alerts_in_warmup = 0;  // generated before `from`: not emitted
  uint64_t alerts_after_to = 0;   // generated at or after `to`: not emitted
  uint64_t merge_forced = 0;
  std::map<std::string, uint64_t> alerts_by_type;  // emitted ones
  double seconds = 0, cpu_seconds = 0;
  int64_t peak_rss_kb = 0;
  double EventsPerSecond() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
  std::string ToText() const;
  std::string ToJson() const;  // one line
};

Result<ReplaySummary> RunReplay(const detect::DetectConfig& config, const ReplayOptions& options);

// Parses "vault" | "caller" | "both".
Result<detect::Keying> ParseKeying(const std::string& text);

}  // namespace vw::forensics
