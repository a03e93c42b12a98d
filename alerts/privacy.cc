#include "alerts/privacy.h"

namespace vw::alerts {

Result<PseudonymiseMode> ParsePseudonymiseMode(std::string_view text) {
  if (text == "none") return PseudonymiseMode::kNone;
  if (text == "state") return PseudonymiseMode::kState;
  if (text == "alerts") return PseudonymiseMode::kAlerts;
  return Status::InvalidArgument("--pseudonymise must be none, state or alerts");
}

const char* PseudonymiseModeName(PseudonymiseMode mode) {
  switch (mode) {
    case PseudonymiseMode::kNone:
      return "none";
    case PseudonymiseMode::kState:
      return "state";
    case PseudonymiseMode::kAlerts:
      return "alerts";
  }
  return "none";
}

Result<Pseudonymiser> LoadPseudonymiser(const std::string& key_file, const std::string& key_env) {
  return key_file.empty() ? Pseudonymiser::FromEnv(key_env) : Pseudonymiser::FromKeyFile(key_file);
}

}  // namespace vw::alerts
