// The labelled attack scenarios of docs/scenarios.md section 2, one per AlertType of DESIGN.md
// section 6. Each builder picks existing benign identities and vaults (or creates attackers),
// emits the scenario's Ev records and its labels (one primary, plus incidental ones).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "generator/model.h"
#include "generator/rng.h"
#include "generator/tenant.h"

namespace vw::gen {

struct ScenarioInfo {
  const char* id;          // "list-get"
  const char* alert_type;  // "KV_ListGetAnomaly"
};
// All 20, in the order of docs/scenarios.md.
const std::vector<ScenarioInfo>& AllScenarios();

// Parses a selection: "all", "none", or a comma-separated list of scenario ids and/or AlertTypes.
Result<std::vector<ScenarioInfo>> SelectScenarios(const std::string& selection);

struct ScenarioPlan {
  int64_t start_us = 0;  // the run's first instant (midnight UTC)
  int days = 16;
  int history_days = 14;        // scenarios start after this many days
  int repeat = 1;               // instances of each selected scenario
  std::set<uint32_t> reserved;  // identities the scenarios use only when no other one fits
};

// Appends scenario records to `events` (unsorted) and their labels to `labels`. May add identities
// and addresses to `tenant`. `seq` is the running record sequence number.
Status BuildScenarios(const ScenarioPlan& plan, const std::vector<ScenarioInfo>& selected,
                      const IntelLists& intel, Tenant* tenant, Rng* rng, uint32_t* seq,
                      std::vector<Ev>* events, std::vector<Label>* labels);

}  // namespace vw::gen
