// Helpers shared by `vaultwatch replay` and `vaultwatch timeline` for turning flags into options:
// time and duration flags with errors that name the flag, and the Kafka client properties.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "base/result.h"
#include "base/types.h"
#include "kafka/types.h"

namespace vw::forensics {

// RFC 3339 ("2026-01-19T03:00:00Z"), or a date alone ("2026-01-19" = its midnight UTC).
Result<EventTime> ParseTimeFlag(const std::string& flag, const std::string& text);
// "10m", "14d", ... (detect::ParseDuration's syntax).
Result<Duration> ParseDurationFlag(const std::string& flag, const std::string& text);
// bootstrap.servers from (in order) `bootstrap`, `fallback` (a pipeline config's), the
// VW_KAFKA_BOOTSTRAP environment variable, 127.0.0.1:19092; plus `common` (TLS/SASL passthrough).
kafka::Config ClientConfig(const std::string& bootstrap, const std::string& fallback,
                           const kafka::Config& common);

}  // namespace vw::forensics
