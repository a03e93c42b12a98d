// `vaultwatch feedback apply`: an alerts file filtered by analyst verdicts (the rules are
// alerts/suppression.h's). See docs/feedback.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alerts/suppression.h"
#include "base/result.h"

namespace vw::governance {

using alerts::AlertFilter;
using alerts::FilterStats;
using alerts::ParseVerdict;
using alerts::ReadVerdicts;
using alerts::Scope;
using alerts::ScopeName;
using alerts::Suppression;
using alerts::SuppressionKey;
using alerts::Verdict;
using alerts::VerdictKind;
using alerts::VerdictReadStats;

// `vaultwatch feedback apply`: alerts file in, the kept ones out (same lines, same order).
struct ApplyResult {
  FilterStats stats;
  std::vector<Suppression> suppressions;
  VerdictReadStats verdict_lines;
  uint64_t bad_alert_lines = 0;
};
Result<ApplyResult> ApplyFeedback(const std::string& alerts_path, const std::string& feedback_path,
                                  const std::string& output_path);

}  // namespace vw::governance
