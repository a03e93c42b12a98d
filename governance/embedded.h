// EmbeddedGovernance: the privacy and feedback duties wired into the embedded
// `vaultwatch detect` (processors/detectors RunDetect), so that apps/ only parses arguments.
//
//   --pseudonymise state   DetectRunOptions::event_transform = Pseudonymiser::Apply(event): the
//                          engine keys, buffers and stores pseudonyms only (it records the clear
//                          IP's threat-intel facts first), so alerts carry pseudonyms too and the
//                          alert pass is NOT applied again (that would hash pseudonyms twice).
//   --pseudonymise alerts  state in clear; alert_transform = Pseudonymiser::Apply(alert) before
//                          each alert is rendered.
//   --feedback FILE        keep_alert = AlertFilter::Keep, every verdict of FILE added first
//                          (in event-time order). A verdict resolves when its alert passes in
//                          output order (TimeGenerated order) and then suppresses the later alerts
//                          of its scope with TimeGenerated >= the verdict's time: deterministic,
//                          whatever the wall clock.
// See docs/privacy.md and docs/feedback.md.
//
// Ownership: Configure() returns the object that owns the Pseudonymiser (and its key) and the
// AlertFilter; the hooks it installs point into it, so it must outlive the RunDetect call that
// uses them. Thread-safety: none; the hooks run on RunDetect's thread. Failure modes: Configure
// returns InvalidArgument / NotFound / IOError for a bad mode, a missing or short key, or an
// unreadable feedback file; no message ever contains key material.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "alerts/privacy.h"
#include "base/result.h"
#include "governance/feedback.h"
#include "processors/detectors/detect_run.h"

namespace vw::governance {

using alerts::kDefaultPseudonymKeyEnv;
using alerts::ParsePseudonymiseMode;
using alerts::PseudonymiseMode;
using alerts::PseudonymiseModeName;

// The privacy marker of a state directory (`detect --state DIR`): what identities its store holds,
// "clear" or "pseudonyms <key fingerprint>", one line. RocksDB ignores the file; state backups
// carry it (backup.cc). Without it a run could mix clear and pseudonymised keys (or two keys) in
// one store, which neither detection nor the retention promise of docs/privacy.md survives.
inline constexpr char kPrivacyMarkerName[] = "VAULTWATCH-PRIVACY";

// Checks `state_dir` against what a run will write (`holds`, as in the marker) and records it:
// a marker that says otherwise, or an existing store without a marker (written before markers,
// so possibly clear) when `holds` is pseudonyms, is FailedPrecondition naming both sides; a new
// or matching directory gets the marker. "" = a temporary state: nothing to check.
Status CheckAndMarkState(const std::string& state_dir, const std::string& holds);

struct PrivacyOptions {
  PseudonymiseMode pseudonymise = PseudonymiseMode::kNone;  // default: no pseudonymisation
  // The key: the bytes of `key_file` (one trailing newline stripped), else the value of the
  // environment variable `key_env` ("" = kDefaultPseudonymKeyEnv). Naming both is an error, and
  // so is naming either without pseudonymisation (a key that silently does nothing is a trap).
  std::string key_file;       // default ""
  std::string key_env;        // default "" (= VW_PSEUDONYM_KEY)
  std::string feedback_path;  // verdict JSON lines (docs/feedback.md); default "" = no feedback
};

class EmbeddedGovernance {
 public:
  // Validates `privacy`, loads the key and the verdicts, checks and marks `run->state_dir`
  // (CheckAndMarkState), and sets the hooks of `run` (event_transform, alert_transform,
  // keep_alert) that `privacy` asks for; leaves the others.
  static Result<std::unique_ptr<EmbeddedGovernance>> Configure(const PrivacyOptions& privacy,
                                                               detect::DetectRunOptions* run);

  EmbeddedGovernance(const EmbeddedGovernance&) = delete;
  EmbeddedGovernance& operator=(const EmbeddedGovernance&) = delete;

  PseudonymiseMode mode() const { return mode_; }
  bool has_feedback() const { return has_feedback_; }
  // After the run: what the filter saw and did (unmatched_verdicts = verdicts naming no alert of
  // the run), the verdict file's lines, and the suppressions the benign verdicts created.
  const FilterStats& feedback_stats() const { return filter_.stats(); }
  const VerdictReadStats& verdict_lines() const { return verdict_lines_; }
  const std::vector<Suppression>& suppressions() const { return filter_.suppressions(); }

  // Lines for detect's stderr summary (each "detect: ..."); "" when neither duty is on.
  std::string SummaryText() const;
  // `detect_summary_json` (one JSON object, DetectRunSummary::ToJson) with a "governance" member
  // added: {"pseudonymise":"state","feedback":{"verdicts":..,"benign":..,"true_positive":..,
  // "unmatched_verdicts":..,"bad_lines":..,"suppressions":..,"suppressed":..,
  // "suppressed_by_type":{..}}} ("feedback" only with a feedback file). `vaultwatch report
  // --detect-summary` reads it.
  std::string MergeSummaryJson(std::string_view detect_summary_json) const;

 private:
  EmbeddedGovernance() = default;
  PseudonymiseMode mode_ = PseudonymiseMode::kNone;
  std::unique_ptr<alerts::Pseudonymiser> pseudonymiser_;
  bool has_feedback_ = false;
  AlertFilter filter_;
  VerdictReadStats verdict_lines_;
};

}  // namespace vw::governance
