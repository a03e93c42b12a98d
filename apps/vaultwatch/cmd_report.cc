// `vaultwatch report`: the monthly review as Markdown or self-contained HTML. Argument parsing
// only; the work is in governance/report.h.
#include <cstdio>
#include <string>

#include "apps/vaultwatch/command.h"
#include "apps/vaultwatch/flags.h"
#include "base/time_format.h"
#include "governance/report.h"

namespace vw::app {
namespace {

int RunReport(int argc, char** argv) {
  FlagParser flags("report",
                   "The monthly review over the events and alerts of a period (docs/report.md)");
  std::string from, to, events, alerts, feedback, detect_summary, format = "md", output = "-";
  int64_t top = 10;
  flags.String("from", &from, "period start, RFC 3339 (inclusive)", /*required=*/true);
  flags.String("to", &to, "period end, RFC 3339 (exclusive)", /*required=*/true);
  flags.String("events", &events, "audit records FILE (any shape ingest accepts)", true);
  flags.String("alerts", &alerts, "alert JSON lines FILE (vaultwatch detect --output)", true);
  flags.String("feedback", &feedback, "analyst verdicts FILE (JSON lines, docs/feedback.md)");
  flags.String("detect-summary", &detect_summary,
               "the --summary-json of the `detect --feedback` run that wrote --alerts: the alerts "
               "it suppressed are not in that file, its summary counts them");
  flags.String("format", &format, "md | html (default md)");
  flags.String("output", &output, "FILE, or - for stdout (default -)");
  flags.Int("top", &top, "rows in the top-entity tables (default 10)");
  if (int rc = flags.Parse(argc, argv); rc >= 0) return rc;
  if (format != "md" && format != "html") {
    std::fprintf(stderr, "report: --format must be md or html\n");
    return 2;
  }
  Result<EventTime> f = ParseRfc3339(from), t = ParseRfc3339(to);
  if (!f.ok() || !t.ok()) {
    std::fprintf(stderr, "report: --from/--to must be RFC 3339 times\n");
    return 2;
  }
  governance::ReportOptions o;
  o.from_us = f->micros();
  o.to_us = t->micros();
  o.events_path = events;
  o.alerts_path = alerts;
  o.feedback_path = feedback;
  o.detect_summary_path = detect_summary;
  o.top_n = top > 0 ? static_cast<size_t>(top) : 10;
  Result<governance::Report> r = governance::BuildReport(o);
  if (!r.ok()) {
    std::fprintf(stderr, "report: %s\n", r.status().ToString().c_str());
    return 1;
  }
  const std::string text =
      format == "html" ? governance::RenderHtml(*r) : governance::RenderMarkdown(*r);
  FILE* out = output == "-" ? stdout : std::fopen(output.c_str(), "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "report: %s: cannot open for writing\n", output.c_str());
    return 1;
  }
  std::fwrite(text.data(), 1, text.size(), out);
  if ((out == stdout ? std::fflush(out) : std::fclose(out)) != 0) {
    std::fprintf(stderr, "report: %s: write failed\n", output.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

VW_REGISTER_COMMAND(report, "The monthly review (Markdown or HTML with charts)", RunReport);

}  // namespace vw::app
