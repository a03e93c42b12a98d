#include "governance/feedback.h"

#include <cstdio>
#include <fstream>
#include <optional>

namespace vw::governance {

Result<ApplyResult> ApplyFeedback(const std::string& alerts_path, const std::string& feedback_path,
                                  const std::string& output_path) {
  ApplyResult r;
  VW_ASSIGN_OR_RETURN(std::vector<Verdict> verdicts, ReadVerdicts(feedback_path, &r.verdict_lines));
  std::ifstream in(alerts_path, std::ios::binary);
  if (!in) return Status::IOError(alerts_path + ": cannot open");
  std::vector<std::string> lines;
  std::vector<std::optional<alerts::AlertRecord>> parsed;
  std::string line;
  AlertFilter filter;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Result<alerts::AlertRecord> a = alerts::ParseAlertJson(line);
    if (a.ok()) {
      filter.Remember(*a);
      parsed.emplace_back(std::move(*a));
    } else {
      ++r.bad_alert_lines;
      parsed.emplace_back(std::nullopt);
    }
    lines.push_back(std::move(line));
  }
  for (const Verdict& v : verdicts) filter.AddVerdict(v);
  FILE* out = output_path == "-" ? stdout : std::fopen(output_path.c_str(), "wb");
  if (out == nullptr) return Status::IOError(output_path + ": cannot open for writing");
  for (size_t i = 0; i < lines.size(); ++i) {
    if (parsed[i].has_value() && !filter.Keep(*parsed[i])) continue;
    std::fwrite(lines[i].data(), 1, lines[i].size(), out);
    std::fputc('\n', out);
  }
  bool failed = std::ferror(out) != 0;
  failed |= (out == stdout ? std::fflush(out) : std::fclose(out)) != 0;
  if (failed) return Status::IOError(output_path + ": write failed");
  r.stats = filter.stats();
  r.suppressions = filter.suppressions();
  return r;
}

}  // namespace vw::governance
