// The same alert rendered for different SIEMs: the Defender-shaped JSON of alert.h (the default,
// contracts.md section 4), an OCSF Detection Finding (class_uid 2004, OCSF 1.1.0 with the cloud
// and datetime profiles) and an Elastic Common Schema document (ECS 8.11, event.kind "alert").
// The field mapping is in docs/alert-formats.md. Every rendering carries every field of the
// Defender one (the vaultwatch-specific ones under OCSF `unmapped` and ECS `vaultwatch.*`), so
// alerts::ParseAlertJson reads all three back and feedback, timelines and reports work
// whichever format kv.alerts carries.
//
// Pure functions of the alert (no clock, no process state): two runs render byte-identical lines.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "vw/v1/alert.pb.h"

namespace vw::detect {

enum class AlertFormat { kDefender, kOcsf, kEcs };

// "defender" | "ocsf" | "ecs"; InvalidArgument naming the accepted values otherwise.
Result<AlertFormat> ParseAlertFormat(std::string_view name);
std::string_view AlertFormatName(AlertFormat format);

// One line of JSON, no trailing newline.
std::string RenderAlert(const v1::Alert& alert, AlertFormat format);
std::string AlertOcsfJson(const v1::Alert& alert);
std::string AlertEcsJson(const v1::Alert& alert);

// The MITRE ATT&CK tactic id ("TA0006") and name ("Credential Access") of an intent as the
// catalogue spells it ("CredentialAccess"); empty for an unknown one.
struct MitreTactic {
  std::string_view id, name;
};
MitreTactic TacticOf(std::string_view intent);

}  // namespace vw::detect
