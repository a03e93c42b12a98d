// HashBytes: a fast 64-bit hash of a byte string for in-memory hash tables and memo keys (the
// state cache's index, the detector engine's key maps and event digests). Eight bytes per step
// with one multiply, the tail read as one overlapping 8-byte load; well mixed in the low bits
// (tables index with `hash & mask`). Not a stable on-disk format and not collision-resistant
// against an adversary: never persist it where a change of function would change meaning.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace vw {

inline uint64_t HashBytes(std::string_view s, uint64_t seed = 0x243f6a8885a308d3ULL) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  const char* d = s.data();
  size_t n = s.size();
  uint64_t h = seed ^ (static_cast<uint64_t>(n) * kMul);
  uint64_t w = 0;
  if (n >= 8) {
    for (; n > 8; d += 8, n -= 8) {
      std::memcpy(&w, d, 8);
      h = (h ^ w) * kMul;
      h ^= h >> 29;
    }
    std::memcpy(&w, s.data() + s.size() - 8, 8);  // the last 8 bytes (may overlap the loop's)
  } else {
    for (size_t i = 0; i < n; ++i)
      w |= static_cast<uint64_t>(static_cast<uint8_t>(d[i])) << (8 * i);
  }
  h = (h ^ w) * kMul;
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  return h;
}

}  // namespace vw
