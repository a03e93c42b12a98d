#include "state/key_digest.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace vw::state {

void AppendKeyDigest(std::string* out, std::string_view key) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(key.data(), key.size()));
  out->append(reinterpret_cast<const char*>(canonical.digest), sizeof(canonical.digest));
}

}  // namespace vw::state
