#include "runtime/privacy.h"

namespace vw::runtime {

Result<Privacy> LoadPrivacy(const PipelineConfig& config) {
  Privacy p;
  if (config.pseudonymise == "none") return p;
  p.mode = config.pseudonymise == "state" ? PseudonymiseMode::kState : PseudonymiseMode::kAlerts;
  Result<governance::Pseudonymiser> ps =
      config.key_file.empty() ? governance::Pseudonymiser::FromEnv(config.key_env)
                              : governance::Pseudonymiser::FromKeyFile(config.key_file);
  if (!ps.ok()) {
    // governance's messages name the file or variable and the length rule, never the key.
    return Status::FailedPrecondition("privacy.pseudonymise=" + config.pseudonymise +
                                      " needs a key of at least 16 bytes (privacy.key_file, or "
                                      "the variable named by privacy.key_env): " +
                                      ps.status().message());
  }
  p.pseudonymiser = std::make_shared<const governance::Pseudonymiser>(std::move(ps).value());
  return p;
}

}  // namespace vw::runtime
