// The scorer behind `vaultwatch score`: matches detector alerts (docs/contracts.md section 4) to
// the generator's labels (section 5) and reports recall per AlertType, false positives per million
// benign events and duplicate SystemAlertIds, against optional thresholds.
//
// Matching: an alert matches a label when the AlertTypes are equal, the alert's
// [StartTimeUtc, EndTimeUtc] overlaps [label.start - 10 min, label.end + 24 h], and every non-empty
// entity field of the label matches (vault = AzureResourceId lower-cased; caller = any account
// entity's AadUserId or AppId; ip = any ip entity's Address). A primary label matched by any alert
// is detected; an alert matching no label (primary or incidental) is a false positive; alerts
// matching only incidental labels are counted apart. Each distinct SystemAlertId is scored once.
//
// Thread-safety: free functions over values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "generator/model.h"

namespace vw::gen {

struct AlertRecord {
  std::string id, type, resource;     // SystemAlertId, AlertType, AzureResourceId (lower-cased)
  std::vector<std::string> accounts;  // AadUserId and AppId values (lower-cased)
  std::vector<std::string> ips;
  EventTime start, end;
};

// Reads an alerts file: one JSON object per line (blank lines skipped). Errors name the line.
Result<std::vector<AlertRecord>> LoadAlerts(const std::string& path);
// Reads a labels file (one JSON object per line). A missing "role" means primary.
Result<std::vector<Label>> LoadLabels(const std::string& path);
// events_benign from a generator summary file.
Result<int64_t> LoadBenignEvents(const std::string& summary_path);

struct ScoreOptions {
  double min_recall = -1;          // < 0: not checked. Checked for every AlertType with labels.
  double max_fp_per_million = -1;  // < 0: not checked
  int64_t max_duplicates = 0;      // < 0: not checked
  int64_t benign_events = -1;      // < 0: unknown (FP rate not computed)
};

struct TypeScore {
  int labels = 0, detected = 0;  // primary labels of this type, and how many were matched
  int alerts = 0;                // distinct alerts of this type
  int matched = 0, incidental = 0, false_positives = 0;
};

// Alert fatigue: distinct alerts matching any label (primary or incidental) of one attack instance
// (a scenario such as "list-get-2"), summed per scenario kind ("list-get").
struct AttackAlerts {
  std::string alert_type;  // the primary label's type
  int attacks = 0;         // instances of the scenario kind
  int alerts = 0;          // alerts matching them (an alert matching two instances counts twice)
  int max_alerts = 0;      // most alerts on one instance
};

struct ScoreReport {
  std::map<std::string, TypeScore> by_type;
  std::map<std::string, AttackAlerts> by_attack;  // scenario kind -> alerts per attack
  int labels = 0, detected = 0;
  int64_t alerts = 0, false_positives = 0, incidental = 0, duplicates = 0;
  std::vector<std::string> duplicate_ids;
  std::vector<std::string> missed;  // scenario names of undetected primary labels
  int64_t benign_events = -1;
  double fp_per_million = -1;
  std::vector<std::string> failures;  // thresholds not met, in plain words; empty = pass
  bool passed() const { return failures.empty(); }
};

bool AlertMatchesLabel(const AlertRecord& alert, const Label& label);
ScoreReport Score(const std::vector<AlertRecord>& alerts, const std::vector<Label>& labels,
                  const ScoreOptions& options);
// A human-readable table (one line per AlertType, then totals and failures).
std::string FormatReport(const ScoreReport& report);

}  // namespace vw::gen
