#include "apps/vaultwatch/pipeline_settings.h"

#include "runtime/config.h"

namespace vw::app {

Result<PipelineSettings> LoadPipelineSettings(const std::string& path) {
  PipelineSettings settings;
  if (path.empty()) return settings;
  VW_ASSIGN_OR_RETURN(runtime::PipelineConfig pc, runtime::LoadPipelineConfig(path));
  settings.bootstrap = pc.bootstrap_servers;
  settings.common = pc.common;
  settings.detect_config = pc.detect_config;
  settings.alert_format = pc.alert_format;
  return settings;
}

}  // namespace vw::app
