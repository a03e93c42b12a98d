// The alert catalogue (display name, severity, MITRE intent, description, remediation per
// AlertType), deterministic alert ids and the Defender-shaped JSON rendering (contracts.md
// section 4). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vw/v1/alert.pb.h"

namespace vw::detect {

struct AlertSpec {
  std::string_view type;
  std::string_view display_name;
  std::string_view description;
  v1::Severity severity;
  std::vector<std::string_view> intents;
  std::vector<std::string_view> remediation;
};

// The spec of a known AlertType; VW_CHECK-fails on an unknown one (a bug, not input).
const AlertSpec& SpecFor(std::string_view alert_type);

// A UUID-formatted (8-4-4-4-12 hex) 128-bit hash of type, entity key and window start.
std::string MakeAlertId(std::string_view alert_type, std::string_view entity_key,
                        int64_t window_start_us);

// One line of JSON, no trailing newline. Keys in contract order; ExtendedProperties sorted by key
// so that two runs render byte-identical output.
std::string AlertJson(const v1::Alert& alert);

// "Low", "Medium", ...
std::string_view SeverityName(v1::Severity s);

}  // namespace vw::detect
