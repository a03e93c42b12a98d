// AppendKeyDigest: the fixed-size name under which state is stored for a long key (a caller, a
// vault's ~110-byte resource id). The primitives store their keys this way (key_format.h), and so
// does the detector engine for its per-key entries: stored keys stay ~20 bytes whatever the ids,
// so that memtables, SST blocks, the block cache and the changelog carry state, not names.
//
// XXH3-128, not a cryptographic hash: two keys sharing a digest would share state, which takes
// ~2^64 keys by chance; making one collide on purpose needs a second preimage of a 128-bit digest
// of a key the attacker does not fully choose (the caller and the vault are Azure's).
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vw::state {

inline constexpr size_t kKeyDigestBytes = 16;

// Appends the kKeyDigestBytes digest of `key` (XXH3-128, canonical big-endian bytes) to `out`.
// The bytes are part of the stored format: they must never change for a given key.
void AppendKeyDigest(std::string* out, std::string_view key);

}  // namespace vw::state
