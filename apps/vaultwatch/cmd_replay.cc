// `vaultwatch replay`: argument parsing only; the work is in forensics/replay.h (RunReplay).
#include <unistd.h>

#include <cstdio>
#include <string>

#include "apps/vaultwatch/command.h"
#include "apps/vaultwatch/flags.h"
#include "apps/vaultwatch/pipeline_settings.h"
#include "forensics/cli.h"
#include "forensics/replay.h"
#include "processors/detectors/config.h"

namespace vw::app {
namespace {

int RunReplayCommand(int argc, char** argv) {
  FlagParser flags(
      "replay",
      "Re-run the detectors over a past time range of a topic or file into an isolated state and "
      "write the alerts the live pipeline produced for that range (same SystemAlertIds). Inputs "
      "and outputs: FILE, - (stdin/stdout), or kafka:TOPIC[,TOPIC] (raw audit records or "
      "AccessEvents). See docs/forensics.md");
  std::string from_s, to_s, warmup_s = "14d", input, output = "-", config_path, pipeline_path;
  std::string bootstrap, keying_s = "both", tail_s, max_delay_s, state_dir, summary_path;
  std::string alert_format;
  bool no_flush = false, progress_flag = false, no_progress = false;
  int64_t commit_every = 1000000;
  flags.String("from", &from_s, "start of the range (RFC 3339, UTC), inclusive", true);
  flags.String("to", &to_s, "end of the range (RFC 3339, UTC), exclusive", true);
  flags.String("warmup", &warmup_s,
               "period before --from read to build baselines, without emitting alerts (default "
               "14d; to reproduce live alerts exactly, reach back to the start of the live input)");
  flags.String("input", &input, "FILE, - or kafka:TOPIC[,TOPIC] (give ONE copy of the stream)",
               true);
  flags.String("output", &output, "FILE, - or kafka:TOPIC (default -)");
  flags.String(
      "config", &config_path,
      "detector config YAML (default: the pipeline config's detect_config, else built-in)");
  flags.String("pipeline-config", &pipeline_path,
               "pipeline YAML (configs/pipeline.yaml): bootstrap, kafka.common, detect_config");
  flags.String("bootstrap", &bootstrap,
               "Kafka bootstrap servers (default: pipeline config, $VW_KAFKA_BOOTSTRAP, "
               "127.0.0.1:19092)");
  flags.String("keying", &keying_s,
               "detectors to run: both (default), vault (by-vault ones) or caller");
  flags.String("tail", &tail_s, "read past --to so watermarks pass it (default 2 x lateness)");
  flags.String("max-delay", &max_delay_s,
               "how much later than its event time a record may sit in Kafka (default: the "
               "allowed lateness)");
  flags.String("state", &state_dir, "empty directory for the isolated state (default: temporary)");
  flags.Bool("no-flush", &no_flush, "do not flush the engine at the end of the input");
  flags.Int("commit-every", &commit_every, "events between state commits (default 1000000)");
  flags.String("summary-json", &summary_path, "also write the summary as one JSON line here");
  flags.String("alert-format", &alert_format,
               "defender | ocsf | ecs: how alerts are rendered (docs/alert-formats.md; default: "
               "the pipeline config's alert_format, else defender)");
  flags.Bool("progress", &progress_flag, "progress line even when stderr is not a terminal");
  flags.Bool("no-progress", &no_progress, "no progress line even on a terminal");
  if (int rc = flags.Parse(argc, argv); rc >= 0) return rc;

  forensics::ReplayOptions o;
  auto from = forensics::ParseTimeFlag("from", from_s);
  if (!from.ok()) return ReportFailure("replay", from.status(), 2);
  auto to = forensics::ParseTimeFlag("to", to_s);
  if (!to.ok()) return ReportFailure("replay", to.status(), 2);
  auto warmup = forensics::ParseDurationFlag("warmup", warmup_s);
  if (!warmup.ok()) return ReportFailure("replay", warmup.status(), 2);
  auto keying = forensics::ParseKeying(keying_s);
  if (!keying.ok()) return ReportFailure("replay", keying.status(), 2);
  if (!tail_s.empty()) {
    auto d = forensics::ParseDurationFlag("tail", tail_s);
    if (!d.ok()) return ReportFailure("replay", d.status(), 2);
    o.tail = *d;
  }
  if (!max_delay_s.empty()) {
    auto d = forensics::ParseDurationFlag("max-delay", max_delay_s);
    if (!d.ok()) return ReportFailure("replay", d.status(), 2);
    o.max_delay = *d;
  }
  auto settings = LoadPipelineSettings(pipeline_path);
  if (!settings.ok()) return ReportFailure("replay", settings.status(), 2);
  if (config_path.empty()) config_path = settings->detect_config;
  auto config = detect::LoadDetectConfig(config_path);
  if (!config.ok()) return ReportFailure("replay", config.status(), 2);
  if (alert_format.empty()) alert_format = settings->alert_format;
  auto format = detect::ParseAlertFormat(alert_format.empty() ? "defender" : alert_format);
  if (!format.ok()) return ReportFailure("replay", format.status(), 2);

  o.input = input;
  o.output = output;
  o.from = *from;
  o.to = *to;
  o.warmup = *warmup;
  o.keying = *keying;
  o.kafka = forensics::ClientConfig(bootstrap, settings->bootstrap, settings->common);
  o.state_dir = state_dir;
  o.flush_at_end = !no_flush;
  o.commit_every = commit_every;
  o.alert_format = *format;
  o.progress = progress_flag || (!no_progress && isatty(STDERR_FILENO) == 1);
  auto sum = forensics::RunReplay(*config, o);
  if (!sum.ok()) return ReportFailure("replay", sum.status(), 1);
  std::fputs(sum->ToText().c_str(), stderr);
  if (!summary_path.empty()) {
    FILE* f = std::fopen(summary_path.c_str(), "wb");
    if (f == nullptr)
      return ReportFailure("replay", Status::IOError(summary_path + ": cannot write summary"), 1);
    std::fprintf(f, "%s\n", sum->ToJson().c_str());
    std::fclose(f);
  }
  return 0;
}

}  // namespace

VW_REGISTER_COMMAND(replay, "Replay a past time range into an isolated state: the same alerts",
                    RunReplayCommand);

}  // namespace vw::app
