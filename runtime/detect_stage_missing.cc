// Built only when vw_detectors is not part of the build (see CMakeLists.txt): the detector stages
// report that plainly instead of running without detectors.
#include "runtime/detect_stage.h"

namespace vw::runtime {

Result<std::unique_ptr<TaskFactory>> MakeDetectTaskFactory(const PipelineConfig&, DetectStage, int,
                                                           Metrics*) {
  return Status::FailedPrecondition(
      "this build has no detectors (vw_detectors): run with stages: [ingest] only");
}

}  // namespace vw::runtime
