// `vaultwatch score`: detection quality of an alerts file against the generator's labels.
#include <cstdio>
#include <filesystem>

#include "apps/vaultwatch/command.h"
#include "apps/vaultwatch/flags.h"
#include "generator/scorer.h"

namespace vw::app {
namespace {

int RunScore(int argc, char** argv) {
  std::string alerts_path, labels_path, summary_path;
  double min_recall = -1, max_fp = -1;
  int64_t events = -1, max_duplicates = 0;
  FlagParser flags(
      "score",
      "Score alerts against generator labels: recall per AlertType, false positives per million "
      "benign events, duplicate SystemAlertIds. Exit 1 when a threshold is not met.");
  flags.String("alerts", &alerts_path, "alerts FILE (JSON lines, docs/contracts.md section 4)",
               true);
  flags.String("labels", &labels_path, "labels FILE written by vaultwatch generate --labels", true);
  flags.String("summary", &summary_path,
               "generator summary JSON (default: <labels>.summary.json if present)");
  flags.Double("min-recall", &min_recall, "fail if any AlertType's recall is below this (0-1)");
  flags.Double("max-fp-per-million", &max_fp,
               "fail if false positives per million benign events exceed this");
  flags.Int("events", &events, "benign event count (overrides the summary)");
  flags.Int("max-duplicates", &max_duplicates,
            "fail above this many duplicate alerts (default 0; -1 = unchecked)");
  if (int rc = flags.Parse(argc, argv); rc >= 0) return rc;

  auto alerts = gen::LoadAlerts(alerts_path);
  if (!alerts.ok()) {
    std::fprintf(stderr, "score: %s\n", alerts.status().ToString().c_str());
    return 2;
  }
  auto labels = gen::LoadLabels(labels_path);
  if (!labels.ok()) {
    std::fprintf(stderr, "score: %s\n", labels.status().ToString().c_str());
    return 2;
  }
  gen::ScoreOptions options;
  options.min_recall = min_recall;
  options.max_fp_per_million = max_fp;
  options.max_duplicates = max_duplicates;
  options.benign_events = events;
  if (events < 0) {
    if (summary_path.empty() && std::filesystem::exists(labels_path + ".summary.json")) {
      summary_path = labels_path + ".summary.json";
    }
    if (!summary_path.empty()) {
      auto benign = gen::LoadBenignEvents(summary_path);
      if (!benign.ok()) {
        std::fprintf(stderr, "score: %s\n", benign.status().ToString().c_str());
        return 2;
      }
      options.benign_events = *benign;
    }
  }
  gen::ScoreReport report = gen::Score(*alerts, *labels, options);
  std::fputs(gen::FormatReport(report).c_str(), stdout);
  return report.passed() ? 0 : 1;
}

}  // namespace

VW_REGISTER_COMMAND(score,
                    "Score alerts against generator labels (recall, false positives, duplicates)",
                    RunScore);

}  // namespace vw::app
