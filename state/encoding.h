// Internal to the state module: the byte encodings of stored values. Not part of the API.
//
// Every value in the data column family is: varint64 expiry header, then the primitive's body.
// The header is 0 for "never expires", else 1 + the expiry in whole seconds rounded up (so the
// compaction filter, which compares it with the committed horizon, can only drop late, never
// early). Bodies use LEB128 varints, zigzag for signed values, little-endian fixed64 for doubles.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "base/hash.h"
#include "base/types.h"
#include "base/varint.h"
#include "state/key_format.h"

namespace vw::state::internal {

// The varint and zigzag codecs are base/varint.h's.
using vw::GetVarint64;
using vw::PutVarint64;
using vw::UnZigZag;
using vw::ZigZag;

inline void PutSigned(std::string* dst, int64_t v) { PutVarint64(dst, ZigZag(v)); }
inline bool GetSigned(std::string_view* in, int64_t* v) {
  uint64_t u;
  if (!GetVarint64(in, &u)) return false;
  *v = UnZigZag(u);
  return true;
}

inline void PutFixed64(std::string* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst->push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
}
inline bool GetFixed64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  in->remove_prefix(8);
  *v = r;
  return true;
}
inline void PutDouble(std::string* dst, double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  PutFixed64(dst, u);
}
inline bool GetDouble(std::string_view* in, double* d) {
  uint64_t u;
  if (!GetFixed64(in, &u)) return false;
  std::memcpy(d, &u, sizeof u);
  return true;
}

inline void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint64(dst, s.size());
  dst->append(s);
}
inline bool GetLengthPrefixed(std::string_view* in, std::string_view* s) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  *s = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

// Expiry header: 0 = never; else 1 + ceil(expires_at / 1 s), clamped to >= 1.
constexpr uint64_t kNeverExpires = 0;
inline uint64_t ExpiryHeader(EventTime expires_at) {
  int64_t us = expires_at.micros();
  if (us <= 0) return 1;
  int64_t secs = us / 1000000 + (us % 1000000 != 0 ? 1 : 0);
  return static_cast<uint64_t>(secs) + 1;
}
// True if a value with this header may be dropped once everything before `horizon_us` is expired:
// its expiry (<= header - 1 seconds) is at or before the horizon.
inline bool ExpiredBy(uint64_t header, int64_t horizon_us) {
  if (header == kNeverExpires) return false;
  if (horizon_us <= 0) return false;
  return static_cast<int64_t>(header - 1) <= horizon_us / 1000000;
}

// The stored key of a primitive's `key`: `prefix` (MakePrefix: "<ns>\x01") + the key's digest
// (key_format.h), into a reused buffer (no allocation once it has grown).
inline const std::string& NsKeyInto(std::string* buf, std::string_view prefix,
                                    std::string_view key) {
  buf->assign(prefix);
  AppendKeyDigest(buf, key);
  return *buf;
}

// A stable 64-bit hash (FNV-1a, then the splitmix64 finalizer for avalanche): stored in sets and
// sketches, so it must never change between versions or platforms.
inline uint64_t StableHash64(std::string_view s) { return SplitMix64Finalize(Fnv1a64(s)); }

}  // namespace vw::state::internal
