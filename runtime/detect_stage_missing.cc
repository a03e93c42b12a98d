// Built only when vw_detectors is not part of the build (see CMakeLists.txt): the detector stages
// report that plainly instead of running without detectors.
#include "runtime/detect_stage.h"

namespace vw::runtime {

class DetectShared {};
void DetectSharedDeleter::operator()(DetectShared* s) const { delete s; }

namespace {
Status NoDetectors() {
  return Status::FailedPrecondition(
      "this build has no detectors (vw_detectors): run with stages: [ingest] only");
}
}  // namespace

Result<DetectSharedPtr> OpenDetectShared(const PipelineConfig&, Metrics*) { return NoDetectors(); }

Status StartDetectShared(DetectShared*, int, int, const std::atomic<bool>&) {
  return NoDetectors();
}

Status CheckDetectInputs(const PipelineConfig&, std::string*) { return NoDetectors(); }

Result<std::unique_ptr<TaskFactory>> MakeDetectTaskFactory(const PipelineConfig&, DetectStage, int,
                                                           Metrics*, DetectShared*) {
  return NoDetectors();
}

}  // namespace vw::runtime
