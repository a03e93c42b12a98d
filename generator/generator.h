// Generator: `vaultwatch generate` as a library. Builds a seeded synthetic tenant, its benign
// traffic (docs/scenarios.md section 1) and the labelled attack scenarios (section 2), and writes
// Azure-shaped AuditEvent records in delivery order to an OutputSink.
//
//   GeneratorOptions o;  o.seed = 7;  o.days = 16;  o.events_per_day = 60000;
//   VW_ASSIGN_OR_RETURN(auto gen, Generator::Create(o));
//   VW_RETURN_IF_ERROR(gen->Run(sink));
//   for (const Label& l : gen->labels()) ... LabelJson(l) ...
//
// Determinism: the output bytes, the labels and the summary depend only on the options (never on
// the wall clock, the sink or the speed of the machine).
// Ownership/thread-safety: a Generator owns its tenant and buffers; one thread; Run once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "generator/model.h"
#include "generator/sinks.h"

namespace vw::gen {

struct GeneratorOptions {
  uint64_t seed = 1;
  int days = 16;                    // total days generated
  int history_days = 14;            // benign-only history before the attacks
  int64_t events_per_day = 100000;  // mean weekday benign records (before 401 challenges)
  std::string tenant = "small";     // small | medium | large
  int vaults = 0;                   // > 0 overrides the preset's vault count
  int identities = 0;               // > 0 overrides the preset's identity count
  std::string scenarios = "all";    // all | none | comma-separated scenario ids or AlertTypes
  int repeat = 1;                   // instances of each selected scenario
  int64_t start_us = 1767571200LL * 1000000;  // 2026-01-05T00:00:00Z, a Monday
  double late_fraction = 0.03;                // records delivered late (5 s - 10 min)
  bool envelope = false;   // {"records":[...]} lines instead of bare NDJSON records
  int envelope_size = 50;  // records per envelope
  std::string intel_dir = "configs/threat-intel";
  // The benign enterprise routines of enterprise.h (backups, CI clean-up, JIT access, ...).
  bool routines = true;
};

struct GeneratorStats {
  uint64_t records = 0, benign = 0, attack = 0;  // attack: records of labelled scenarios
  uint64_t auth_challenges = 0, late = 0, denied = 0, not_found = 0;
  uint64_t messages = 0, bytes = 0;
  int64_t first_us = 0, last_us = 0;  // event-time range
};

class Generator {
 public:
  static Result<std::unique_ptr<Generator>> Create(const GeneratorOptions& options);

  // Generates everything into `sink` (then closes it). `progress`, if set, is called after each
  // 10-minute slice of event time with the stats so far and the fraction done; it returns false
  // to cancel (Run then returns Cancelled).
  Status Run(OutputSink& sink,
             const std::function<bool(const GeneratorStats&, double fraction)>& progress = {});

  const std::vector<Label>& labels() const { return labels_; }
  const GeneratorStats& stats() const { return stats_; }
  const Tenant& tenant() const { return tenant_; }
  const GeneratorOptions& options() const { return options_; }

 private:
  Generator() = default;
  class Engine;
  GeneratorOptions options_;
  Tenant tenant_;
  std::vector<Ev> scheduled_;  // scenario and scheduled benign records, sorted by event time
  std::vector<Label> labels_;
  GeneratorStats stats_;
  uint32_t seq_ = 0;
  uint64_t benign_seed_ = 0, format_seed_ = 0;
};

// One label as a JSON line (docs/contracts.md section 5), without a newline.
std::string LabelJson(const Label& label);
// The summary the scorer reads: seed, counts (benign vs attack), event-time range.
std::string SummaryJson(const GeneratorOptions& options, const GeneratorStats& stats,
                        size_t num_labels);

}  // namespace vw::gen
