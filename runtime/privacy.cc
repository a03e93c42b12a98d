#include "runtime/privacy.h"

namespace vw::runtime {

Result<Privacy> LoadPrivacy(const PipelineConfig& config) {
  Privacy p;
  if (config.pseudonymise == "none") return p;
  p.mode = config.pseudonymise == "state" ? PseudonymiseMode::kState : PseudonymiseMode::kAlerts;
  Result<alerts::Pseudonymiser> ps = alerts::LoadPseudonymiser(config.key_file, config.key_env);
  if (!ps.ok()) {
    // The loaders' messages name the file or variable and the length rule, never the key.
    return Status::FailedPrecondition("privacy.pseudonymise=" + config.pseudonymise +
                                      " needs a key of at least 16 bytes (privacy.key_file, or "
                                      "the variable named by privacy.key_env): " +
                                      ps.status().message());
  }
  p.pseudonymiser = std::make_shared<const alerts::Pseudonymiser>(std::move(ps).value());
  return p;
}

}  // namespace vw::runtime
