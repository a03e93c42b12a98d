// `vaultwatch timeline`: argument parsing only; the work is in forensics/timeline.h.
#include <cstdio>
#include <string>

#include "apps/vaultwatch/command.h"
#include "apps/vaultwatch/flags.h"
#include "apps/vaultwatch/pipeline_settings.h"
#include "forensics/cli.h"
#include "forensics/timeline.h"

namespace vw::app {
namespace {

int RunTimelineCommand(int argc, char** argv) {
  FlagParser flags("timeline",
                   "Everything one vault, caller or IP did in a time range, in order, with the "
                   "alerts that involved it marked in place and summary counts. Inputs: FILE, - or "
                   "kafka:TOPIC[,TOPIC]. See docs/forensics.md");
  std::string vault, caller, ip, from_s, to_s, input, alerts, format = "table", output = "-";
  std::string pipeline_path, bootstrap, max_delay_s = "10m";
  int64_t max_rows = 200000;
  flags.String("vault", &vault, "vault resource id or name");
  flags.String("caller", &caller, "caller object id, app id, UPN or routing key");
  flags.String("ip", &ip, "caller IP address");
  flags.String("from", &from_s, "start of the range (RFC 3339, UTC), inclusive", true);
  flags.String("to", &to_s, "end of the range (RFC 3339, UTC), exclusive", true);
  flags.String("input", &input, "events: FILE, - or kafka:TOPIC (one copy of the stream)", true);
  flags.String("alerts", &alerts, "alerts: FILE or kafka:TOPIC (e.g. kafka:kv.alerts)");
  flags.String("format", &format, "table (default) | json | csv | html");
  flags.String("output", &output, "FILE or - (default -)");
  flags.String("pipeline-config", &pipeline_path, "pipeline YAML: bootstrap and kafka.common");
  flags.String("bootstrap", &bootstrap, "Kafka bootstrap servers");
  flags.String("max-delay", &max_delay_s,
               "how much later than its event time a record may sit in Kafka (default 10m)");
  flags.Int("max-rows", &max_rows, "events kept for the table (default 200000; counts are exact)");
  if (int rc = flags.Parse(argc, argv); rc >= 0) return rc;

  forensics::TimelineOptions o;
  int given = (vault.empty() ? 0 : 1) + (caller.empty() ? 0 : 1) + (ip.empty() ? 0 : 1);
  if (given != 1) {
    return ReportFailure("timeline",
                         Status::InvalidArgument("give exactly one of --vault, --caller, --ip"), 2);
  }
  if (!vault.empty()) o.entity = {forensics::EntityKind::kVault, vault};
  if (!caller.empty()) o.entity = {forensics::EntityKind::kCaller, caller};
  if (!ip.empty()) o.entity = {forensics::EntityKind::kIp, ip};
  auto from = forensics::ParseTimeFlag("from", from_s);
  if (!from.ok()) return ReportFailure("timeline", from.status(), 2);
  auto to = forensics::ParseTimeFlag("to", to_s);
  if (!to.ok()) return ReportFailure("timeline", to.status(), 2);
  auto delay = forensics::ParseDurationFlag("max-delay", max_delay_s);
  if (!delay.ok()) return ReportFailure("timeline", delay.status(), 2);
  if (format != "table" && format != "json" && format != "csv" && format != "html") {
    return ReportFailure("timeline",
                         Status::InvalidArgument("--format must be table, json, csv or html"), 2);
  }
  if (max_rows <= 0)
    return ReportFailure("timeline", Status::InvalidArgument("--max-rows must be > 0"), 2);
  auto settings = LoadPipelineSettings(pipeline_path);
  if (!settings.ok()) return ReportFailure("timeline", settings.status(), 2);
  o.input = input;
  o.alerts = alerts;
  o.from = *from;
  o.to = *to;
  o.max_delay = *delay;
  o.kafka = forensics::ClientConfig(bootstrap, settings->bootstrap, settings->common);
  o.max_rows = static_cast<size_t>(max_rows);
  auto timeline = forensics::BuildTimeline(o);
  if (!timeline.ok()) return ReportFailure("timeline", timeline.status(), 1);
  auto text = forensics::Render(*timeline, format);
  if (!text.ok()) return ReportFailure("timeline", text.status(), 2);
  FILE* out = stdout;
  if (output != "-") {
    out = std::fopen(output.c_str(), "wb");
    if (out == nullptr)
      return ReportFailure("timeline", Status::IOError(output + ": cannot open for writing"), 1);
  }
  std::fwrite(text->data(), 1, text->size(), out);
  bool failed = std::ferror(out) != 0;
  failed |= (out == stdout ? std::fflush(out) : std::fclose(out)) != 0;
  if (failed) return ReportFailure("timeline", Status::IOError(output + ": write failed"), 1);
  std::fprintf(stderr, "timeline: %llu events, %zu alerts for %s %s\n",
               static_cast<unsigned long long>(timeline->total_events), timeline->alerts.size(),
               timeline->entity.KindName().c_str(), timeline->entity.id.c_str());
  return 0;
}

}  // namespace

VW_REGISTER_COMMAND(timeline, "What one vault, caller or IP did in a time range, with its alerts",
                    RunTimelineCommand);

}  // namespace vw::app
