// Privacy of the alert path (docs/privacy.md): which pass of pseudonymisation runs, and the
// keyed Pseudonymiser it runs with. One definition for both drivers: the embedded `vaultwatch
// detect --pseudonymise` (governance/embedded.h) and the pipeline's `privacy.pseudonymise`
// (runtime/privacy.h). Each names its own settings in its messages; the mode and the loading of
// the key are these.
//   none   - clear identities everywhere;
//   state  - each event is pseudonymised inside the engine before it is keyed, buffered or stored
//            (the engine records the clear IP's threat-intel facts first), so state and alerts
//            hold pseudonyms and the alert pass is NOT applied again;
//   alerts - state in clear; each alert is pseudonymised just before it is rendered.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "alerts/pseudonymise.h"
#include "base/result.h"

namespace vw::alerts {

enum class PseudonymiseMode { kNone, kState, kAlerts };
// "none" | "state" | "alerts".
Result<PseudonymiseMode> ParsePseudonymiseMode(std::string_view text);
const char* PseudonymiseModeName(PseudonymiseMode mode);

// The environment variable the key is read from when no key file is named.
inline constexpr char kDefaultPseudonymKeyEnv[] = "VW_PSEUDONYM_KEY";

struct Privacy {
  PseudonymiseMode mode = PseudonymiseMode::kNone;
  // Set unless mode is kNone. Immutable, shared by every thread that uses it (its methods are
  // const).
  std::shared_ptr<const Pseudonymiser> pseudonymiser;
};

// The key: the bytes of `key_file` (one trailing newline stripped) when it is named, else the
// value of the environment variable `key_env`. The loaders' messages name the file or variable
// and the length rule, never the key.
Result<Pseudonymiser> LoadPseudonymiser(const std::string& key_file, const std::string& key_env);

}  // namespace vw::alerts
