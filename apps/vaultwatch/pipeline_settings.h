// What `--pipeline-config FILE` gives the commands that read Kafka outside the pipeline (replay,
// timeline): the deployment's bootstrap servers (a fallback for --bootstrap), its kafka.common
// properties (TLS/SASL passthrough) and its detector config path. Argument wiring only.
#pragma once

#include <string>

#include "base/result.h"
#include "kafka/types.h"

namespace vw::app {

struct PipelineSettings {
  std::string bootstrap;      // "" when no pipeline config was given
  kafka::Config common;       // kafka.common.*
  std::string detect_config;  // resolved relative to the pipeline file; "" = built-in defaults
  std::string alert_format;   // the pipeline's alert_format; "" when no pipeline config was given
};

// An empty `path` gives empty settings; a bad file is an InvalidArgument naming file and key.
Result<PipelineSettings> LoadPipelineSettings(const std::string& path);

}  // namespace vw::app
