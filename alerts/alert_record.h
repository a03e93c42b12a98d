// AlertRecord: the fields of an alert JSON line (Defender-shaped, docs/contracts.md section 4, or
// the OCSF and ECS renderings of docs/alert-formats.md) that suppression, timelines and reports
// need, parsed back from kv.alerts or an alerts file.
//
// Plain values; ParseAlertJson is thread-safe (each call owns its parser).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vw::alerts {

struct AlertRecord {
  std::string id;    // SystemAlertId
  std::string type;  // AlertType
  std::string display_name, severity, description, reasons;
  std::string azure_resource_id;   // lower-cased
  std::string compromised_entity;  // lower-cased
  int64_t start_us = 0, end_us = 0, generated_us = 0;
  std::vector<std::string> accounts;  // lower-cased AadUserId / AppId / Upn of account entities
  std::vector<std::string> ips;       // Address of ip entities
  std::string json;                   // the line as read
};

// Parses one alert line in any of the three formats (told apart by OCSF's class_uid and ECS's
// ecs object); InvalidArgument naming the missing/bad field otherwise.
Result<AlertRecord> ParseAlertJson(std::string_view line);

}  // namespace vw::alerts
