#include "forensics/cli.h"

#include <cstdlib>

#include "base/time_format.h"
#include "processors/detectors/config.h"

namespace vw::forensics {

Result<EventTime> ParseTimeFlag(const std::string& flag, const std::string& text) {
  std::string t = text;
  if (t.size() == 10 && t[4] == '-' && t[7] == '-') t += "T00:00:00Z";
  Result<EventTime> r = ParseRfc3339(t);
  if (!r.ok()) {
    return Status::InvalidArgument("--" + flag + " '" + text +
                                   "' is not a time (RFC 3339, e.g. 2026-01-19T03:00:00Z)");
  }
  return r;
}

Result<Duration> ParseDurationFlag(const std::string& flag, const std::string& text) {
  Result<Duration> r = detect::ParseDuration(text);
  if (!r.ok()) {
    return Status::InvalidArgument("--" + flag + " '" + text +
                                   "' is not a duration (e.g. 90s, 10m, 6h, 14d)");
  }
  return r;
}

kafka::Config ClientConfig(const std::string& bootstrap, const std::string& fallback,
                           const kafka::Config& common) {
  kafka::Config c = common;
  std::string servers = bootstrap;
  if (servers.empty()) servers = fallback;
  if (servers.empty()) {
    const char* env = std::getenv("VW_KAFKA_BOOTSTRAP");
    servers = env != nullptr && *env != '\0' ? env : "127.0.0.1:19092";
  }
  c["bootstrap.servers"] = servers;
  return c;
}

}  // namespace vw::forensics
