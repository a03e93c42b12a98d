// ReadAlerts: every alert of an alerts file or of a Kafka topic, as alerts::AlertRecord
// (alerts/alert_record.h, which parses one line).
//
// Plain values; the functions are thread-safe (each call owns its parser).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert_record.h"
#include "base/result.h"
#include "kafka/types.h"

namespace vw::forensics {

using alerts::AlertRecord;
using alerts::ParseAlertJson;

struct AlertReadStats {
  uint64_t lines = 0, bad = 0;
};

// Reads every alert of a file ("-" = stdin) or of "kafka:TOPIC" (all partitions, read_committed,
// from the beginning to the end; `kafka` must name bootstrap.servers). Lines that are not alerts
// are counted as bad and skipped.
Result<std::vector<AlertRecord>> ReadAlerts(const std::string& spec, const kafka::Config& kafka,
                                            AlertReadStats* stats);

}  // namespace vw::forensics
