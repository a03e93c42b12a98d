// Two hashes of byte strings, each written once here.
//
// Fnv1a64: FNV-1a, 64 bits: a stable hash (the same on every platform and build, forever) for
// values that are stored or published (state sketches via state::StableHash64, alert ids) and for
// tiny keys. Slow on long strings (a multiply per byte).
//
// HashBytes: a fast 64-bit hash of a byte string for in-memory hash tables and memo keys (the
// state cache's index, the detector engine's key maps and event digests). Eight bytes per step
// with one multiply (four independent steps at a time on strings over 64 bytes), the tail read as
// one overlapping 8-byte load; well mixed in the low bits
// (tables index with `hash & mask`). Not a stable on-disk format and not collision-resistant
// against an adversary: never persist it where a change of function would change meaning.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace vw {

// The splitmix64 finaliser: full avalanche of a 64-bit value. It is part of the stable hashes
// (state::StableHash64, alert ids), so its constants must never change.
inline uint64_t SplitMix64Finalize(uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

inline constexpr uint64_t kFnv1a64Offset = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnv1a64Prime = 0x100000001b3ULL;

// FNV-1a over `s`, continuing from `h` (the offset basis for a fresh hash; a previous result to
// hash several parts in sequence).
inline uint64_t Fnv1a64(std::string_view s, uint64_t h = kFnv1a64Offset) {
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= kFnv1a64Prime;
  }
  return h;
}

inline uint64_t HashBytes(std::string_view s, uint64_t seed = 0x243f6a8885a308d3ULL) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  const char* d = s.data();
  size_t n = s.size();
  uint64_t h = seed ^ (static_cast<uint64_t>(n) * kMul);
  uint64_t w = 0;
  if (n > 64) {
    // Long keys (resource ids, state keys built from them): four independent chains over 32
    // bytes per step, folded into one, so the multiplies overlap instead of waiting on each
    // other; the last 1..32 bytes go through the loop below.
    uint64_t a = h, b = h ^ 0x452821e638d01377ULL, c = h ^ 0xbe5466cf34e90c6cULL,
             e = h ^ 0xc0ac29b7c97c50ddULL;
    auto step = [](uint64_t x, const char* p) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      x = (x ^ v) * kMul;
      return x ^ (x >> 29);
    };
    for (; n > 32; d += 32, n -= 32) {
      a = step(a, d);
      b = step(b, d + 8);
      c = step(c, d + 16);
      e = step(e, d + 24);
    }
    // Folded in order, each lane mixed before the next comes in: a plain XOR of the lanes would
    // let the same change in two lanes cancel.
    for (uint64_t next : {b, c, e}) {
      a *= kMul;
      a ^= a >> 29;
      a ^= next;
    }
    h = a;
  }
  if (s.size() >= 8) {
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
