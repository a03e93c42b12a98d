// The pipeline's privacy settings (docs/privacy.md): which pass of pseudonymisation the
// detector stages run, with which key. `privacy.pseudonymise` in configs/pipeline.yaml:
//   none   - clear identities everywhere (the default);
//   state  - every detector engine pseudonymises each event before it keys, buffers or stores it
//            (Engine::SetEventTransform): RocksDB, the changelog topics and the alerts hold
//            pseudonyms; threat-intel lookups still see the clear IP (the engine records them
//            in AccessEvent.ip_facts first);
//   alerts - state is clear; each alert is pseudonymised just before it is rendered and published.
// The keyed topics kv.events.by-* always carry clear events: they are the detectors' input.
//
// The key comes from privacy.key_file, else from the variable privacy.key_env
// (VW_PSEUDONYM_KEY); a missing or short key stops start-up. It is never logged.
#pragma once

#include <memory>

#include "alerts/privacy.h"
#include "base/result.h"
#include "runtime/config.h"

namespace vw::runtime {

// The mode, the key's loading and the Pseudonymiser are alerts/privacy.h's, shared with the
// embedded `detect`.
using alerts::Privacy;
using alerts::PseudonymiseMode;

// Reads the key named by the config. FailedPrecondition, naming the setting (never the key),
// when the mode needs a key that is missing or too short.
Result<Privacy> LoadPrivacy(const PipelineConfig& config);

}  // namespace vw::runtime
