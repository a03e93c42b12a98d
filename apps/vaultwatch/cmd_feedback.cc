// `vaultwatch feedback apply --alerts IN --feedback F --output OUT`: applies analysts' verdicts
// (scoped suppressions from benign ones) to an alerts file. Argument parsing only; the work is in
// governance/feedback.h.
#include <cstdio>
#include <cstring>
#include <string>

#include "apps/vaultwatch/command.h"
#include "apps/vaultwatch/flags.h"
#include "governance/feedback.h"

namespace vw::app {
namespace {

int RunFeedback(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "apply") != 0) {
    std::fputs(
        "usage: vaultwatch feedback apply --alerts FILE --feedback FILE [--output FILE]\n"
        "Drops the alerts that analysts' benign verdicts suppress (docs/feedback.md).\n",
        argc >= 2 && std::strcmp(argv[1], "--help") == 0 ? stdout : stderr);
    return argc >= 2 && std::strcmp(argv[1], "--help") == 0 ? 0 : 2;
  }
  FlagParser flags("feedback apply", "Apply analyst verdicts to an alerts file");
  std::string alerts, feedback, output = "-";
  flags.String("alerts", &alerts, "alert JSON lines FILE", /*required=*/true);
  flags.String("feedback", &feedback, "verdict JSON lines FILE", /*required=*/true);
  flags.String("output", &output, "FILE, or - for stdout (default -)");
  if (int rc = flags.Parse(argc - 1, argv + 1); rc >= 0) return rc;
  Result<governance::ApplyResult> r = governance::ApplyFeedback(alerts, feedback, output);
  if (!r.ok()) {
    std::fprintf(stderr, "feedback: %s\n", r.status().ToString().c_str());
    return 1;
  }
  const governance::FilterStats& s = r->stats;
  std::fprintf(
      stderr,
      "feedback: %llu alerts, %llu kept, %llu suppressed; %llu verdicts (%llu benign, "
      "%llu true positive, %llu naming no alert in the file, %llu bad lines); %zu "
      "suppressions\n",
      static_cast<unsigned long long>(s.seen), static_cast<unsigned long long>(s.kept),
      static_cast<unsigned long long>(s.suppressed), static_cast<unsigned long long>(s.verdicts),
      static_cast<unsigned long long>(s.benign), static_cast<unsigned long long>(s.true_positive),
      static_cast<unsigned long long>(s.unmatched_verdicts),
      static_cast<unsigned long long>(r->verdict_lines.bad), r->suppressions.size());
  for (const governance::Suppression& x : r->suppressions) {
    std::fprintf(stderr, "feedback: suppression %s scope=%s from alert %s: %llu suppressed\n",
                 x.alert_type.c_str(), governance::ScopeName(x.scope), x.source_alert_id.c_str(),
                 static_cast<unsigned long long>(x.suppressed));
  }
  return 0;
}

}  // namespace

VW_REGISTER_COMMAND(feedback, "Apply analyst verdicts (scoped suppressions) to alerts",
                    RunFeedback);

}  // namespace vw::app
