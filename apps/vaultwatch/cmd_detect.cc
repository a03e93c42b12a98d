// `vaultwatch detect` and `vaultwatch config-reference`: argument parsing only; the work is in
// processors/detectors (RunDetect, ConfigReferenceMarkdown) and, for pseudonymisation and analyst
// feedback, governance/embedded.h (docs/privacy.md, docs/feedback.md).
#include <unistd.h>

#include <cstdio>
#include <string>

#include "apps/vaultwatch/command.h"
#include "apps/vaultwatch/flags.h"
#include "governance/embedded.h"
#include "processors/detectors/config.h"
#include "processors/detectors/detect_run.h"
#include "runtime/config.h"

namespace vw::app {
namespace {

int RunDetectCommand(int argc, char** argv) {
  FlagParser flags("detect",
                   "Run every detector over audit records (any shape ingest accepts) without "
                   "Kafka; write one alert JSON per line (Defender-shaped, OCSF or ECS)");
  std::string input, output = "-", config_path, state_dir, summary_path;
  std::string pseudonymise = "none", key_file, key_env, feedback, alert_format = "defender";
  int64_t commit_every = 1000000;
  bool no_progress = false;
  flags.String("input", &input, "FILE, or - for stdin", /*required=*/true);
  flags.String("output", &output, "FILE, or - for stdout (default -)");
  flags.String("config", &config_path,
               "detector config YAML (default: built-in defaults, see configs/README.md)");
  flags.String("state", &state_dir,
               "state directory to keep between runs (default: a temporary one, deleted)");
  flags.String("summary-json", &summary_path, "also write the summary as one JSON line here");
  flags.Int("commit-every", &commit_every, "events between state commits (default 1000000)");
  flags.Bool("no-progress", &no_progress, "no progress line even on a terminal");
  flags.String("alert-format", &alert_format,
               "defender (default) | ocsf | ecs: Defender-shaped JSON, an OCSF Detection Finding "
               "or an Elastic Common Schema document per alert (docs/alert-formats.md)");
  bool early_alerts = false;
  flags.Bool("early-alerts", &early_alerts,
             "for a live stream on stdin: threat-intel and sensitive-operation alerts on arrival, "
             "threshold alerts when crossed (default: every detector in canonical event order, "
             "independent of the input's order)");
  flags.String("pseudonymise", &pseudonymise,
               "none | state | alerts: replace UPNs, object ids and IPs by keyed "
               "pseudonyms (HMAC-SHA256) in state and alerts (state), or in alerts only (alerts); "
               "docs/privacy.md");
  flags.String("pseudonym-key-file", &key_file,
               "the pseudonymisation key: this file's bytes (>= 16; one trailing newline "
               "stripped)");
  flags.String("pseudonym-key-env", &key_env,
               "the pseudonymisation key: this environment variable's value (default "
               "VW_PSEUDONYM_KEY, used when no key file is named)");
  flags.String("feedback", &feedback,
               "analyst verdicts FILE (JSON lines, docs/feedback.md): benign verdicts suppress "
               "later alerts of their scope (from the verdict's time, by TimeGenerated)");
  if (int rc = flags.Parse(argc, argv); rc >= 0) return rc;

  Result<detect::DetectConfig> config = detect::LoadDetectConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "detect: %s\n", config.status().ToString().c_str());
    return 2;
  }
  Result<detect::AlertFormat> format = detect::ParseAlertFormat(alert_format);
  if (!format.ok()) {
    std::fprintf(stderr, "detect: %s\n", format.status().ToString().c_str());
    return 2;
  }
  detect::DetectRunOptions options;
  options.alert_format = *format;
  options.input = input;
  options.output = output;
  options.state_dir = state_dir;
  options.commit_every = commit_every;
  options.progress = !no_progress && isatty(STDERR_FILENO) == 1;
  options.early_alerts = early_alerts;
  governance::PrivacyOptions privacy;
  Result<governance::PseudonymiseMode> mode = governance::ParsePseudonymiseMode(pseudonymise);
  if (!mode.ok()) {
    std::fprintf(stderr, "detect: %s\n", mode.status().ToString().c_str());
    return 2;
  }
  privacy.pseudonymise = *mode;
  privacy.key_file = key_file;
  privacy.key_env = key_env;
  privacy.feedback_path = feedback;
  // Owns the key and the feedback filter the hooks use: alive until RunDetect returns.
  Result<std::unique_ptr<governance::EmbeddedGovernance>> gov =
      governance::EmbeddedGovernance::Configure(privacy, &options);
  if (!gov.ok()) {
    std::fprintf(stderr, "detect: %s\n", gov.status().ToString().c_str());
    return 2;
  }
  Result<detect::DetectRunSummary> sum = detect::RunDetect(*config, options);
  if (!sum.ok()) {
    std::fprintf(stderr, "detect: %s\n", sum.status().ToString().c_str());
    return 1;
  }
  std::fputs(sum->ToText().c_str(), stderr);
  std::fputs((*gov)->SummaryText().c_str(), stderr);
  if (!summary_path.empty()) {
    FILE* f = std::fopen(summary_path.c_str(), "wb");
    if (f == nullptr) {
      std::fprintf(stderr, "detect: %s: cannot write summary\n", summary_path.c_str());
      return 1;
    }
    std::fprintf(f, "%s\n", (*gov)->MergeSummaryJson(sum->ToJson()).c_str());
    std::fclose(f);
  }
  return 0;
}

int RunConfigReference(int argc, char** argv) {
  bool pipeline = false;
  FlagParser flags("config-reference",
                   "Print the detector configuration reference (Markdown) from the declared table");
  flags.Bool("pipeline", &pipeline,
             "the pipeline's (`vaultwatch run`) reference instead: configs/pipeline-reference.md");
  if (int rc = flags.Parse(argc, argv); rc >= 0) return rc;
  std::fputs(pipeline ? runtime::PipelineConfigReferenceMarkdown().c_str()
                      : detect::ConfigReferenceMarkdown().c_str(),
             stdout);
  return 0;
}

}  // namespace

VW_REGISTER_COMMAND(detect, "Run every detector over a file or stdin (no Kafka)", RunDetectCommand);
// Registered by hand: the macro cannot spell a name with a hyphen.
static CommandRegistrar vw_command_registrar_config_reference(
    "config-reference", "Print the detector config reference (Markdown)", RunConfigReference);

}  // namespace vw::app
