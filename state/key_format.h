// Internal to the state module: how a primitive's key is stored.
//
// A primitive (WindowCounter, FirstSeenMap, ...) stores the value of key K in namespace NS under
// "NS\x01" + the 16-byte digest of K (key_digest.h). Detector keys are long (a caller, a
// ~110-byte vault resource id, an operation or an object name): stored as they are, they were
// ~80% of the bytes of the memtable entries, SST blocks, WAL records and changelog records, and
// every comparison of the commit's sort and of RocksDB's skiplists and blocks walked them. A
// digest keeps a stored key at ~20 bytes whatever the ids.
//
// Stores written before this format (kKeyFormatVersion 1) hold "NS\0" + K. StateStore rewrites
// them once when it opens such a store, and ApplyChangelog rewrites such keys read from an older
// changelog (RewriteLegacyKey).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "state/key_digest.h"

namespace vw::state::internal {

// The format a store records in its meta column family ("\0vw.key-format").
inline constexpr uint32_t kKeyFormatVersion = 2;
// Ends a namespace in a digest key; version 1 ended it with '\0'.
inline constexpr char kDigestKeyMark = '\x01';
// Namespaces: 1-32 characters of [A-Za-z0-9._-], chosen in code. What makes a version-1 key
// recognisable: no other key of a store has a '\0' right after such a run (the engine's own keys
// start "e/", the runtime's have no '\0', the store's records start with '\0').
inline constexpr size_t kMaxNamespaceBytes = 32;
bool ValidNamespace(std::string_view ns);

// The version-2 form of a version-1 primitive key ("NS\0K" -> "NS\x01" + digest(K)), or nullopt
// for any other key (already version 2, or not a primitive's).
std::optional<std::string> RewriteLegacyKey(std::string_view key);

}  // namespace vw::state::internal
