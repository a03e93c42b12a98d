// Byte-level helpers both readers of the ingest grammar share (blanks and Trim are base/ascii.h's)
// (the NDJSON fast path in fast_path.cc and the on-demand record reader in record_reader.cc): blank
// tests, key comparison against Azure's spelling, and the escape scan that decides whether a string
// can be used in place. Inline: they run for most tokens of every record. Internal to vw_ingest.
#pragma once

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "base/ascii.h"
#include "processors/ingest/normalize.h"

// Small helpers of the per-token hot path, which GCC would otherwise call out of line.
#define VW_INGEST_INLINE inline __attribute__((always_inline))

namespace vw::ingest {

// Key comparison against a literal in Azure's casing: an inlined fixed-size compare first (the
// usual case), then a case-insensitive one (other producers vary the casing).
// L bytes equal, in a few word loads (GCC calls memcmp for these sizes otherwise).
template <size_t L>
VW_INGEST_INLINE bool SameBytes(const char* a, const char* b) {
  auto word = [](const char* p, auto w) {
    std::memcpy(&w, p, sizeof(w));
    return w;
  };
  if constexpr (L >= 8) {
    for (size_t i = 0; i + 8 < L; i += 8) {
      if (word(a + i, uint64_t{}) != word(b + i, uint64_t{})) return false;
    }
    return word(a + L - 8, uint64_t{}) == word(b + L - 8, uint64_t{});
  } else if constexpr (L >= 4) {
    return word(a, uint32_t{}) == word(b, uint32_t{}) &&
           word(a + L - 4, uint32_t{}) == word(b + L - 4, uint32_t{});
  } else if constexpr (L >= 2) {
    return word(a, uint16_t{}) == word(b, uint16_t{}) &&
           word(a + L - 2, uint16_t{}) == word(b + L - 2, uint16_t{});
  } else {
    return L == 0 || a[0] == b[0];
  }
}

template <size_t N>
VW_INGEST_INLINE bool KeyIs(std::string_view key, const char (&literal)[N]) {
  static_assert(N > 1);
  // Exact first (Azure's casing); the case-insensitive compare only when the first letters agree.
  return key.size() == N - 1 && (SameBytes<N - 1>(key.data(), literal) ||
                                 ((key[0] | 0x20) == (literal[0] | 0x20) &&
                                  EqualsIgnoreCase(key, std::string_view(literal, N - 1))));
}

// True if n bytes at p hold a backslash, eight at a time (SWAR): keys and values are short, and a
// libc call per string costs more than the scan. Reads up to 8 bytes from p even when n is smaller:
// the string is inside a document, which is followed by SIMDJSON_PADDING readable bytes.
VW_INGEST_INLINE bool HasBackslash(const char* p, size_t n) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto backslashes = [](const char* at) {
    uint64_t w;
    std::memcpy(&w, at, 8);
    w ^= kOnes * '\\';  // a zero byte where there was a backslash
    // High bit set in each zero byte (and possibly in bytes above one: they only matter when a
    // real one is below them).
    return (w - kOnes) & ~w & kHigh;
  };
  if (n < 8) {
    if (n == 0) return false;
    // Little-endian: the first n bytes are the low ones.
    return (backslashes(p) & (~uint64_t{0} >> (64 - 8 * n))) != 0;
  }
  size_t i = 0;
#ifdef __SSE2__
  // Sixteen at a time for the long values (request URIs, client info, ids).
  const __m128i bs = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs)) != 0) return true;
  }
#endif
  for (; i + 8 <= n; i += 8) {
    if (backslashes(p + i) != 0) return true;
  }
  return i < n && backslashes(p + n - 8) != 0;
}

// Whether a token can start a JSON value, as the on-demand reader's type() decides from its first
// byte (it fails on anything else: a stray control character, say).
VW_INGEST_INLINE bool CanStartValue(char c) {
  switch (c) {
    case '{':
    case '[':
    case '"':
    case 'n':
    case 't':
    case 'f':
    case '-':
      return true;
    default:
      return c >= '0' && c <= '9';
  }
}

// `s` lower-cased into `out` (std::string::clear is inline; the message's clear_x() is not).
inline void AssignLower(std::string_view s, std::string* out) {
  out->clear();
  AppendLower(s, out);
}

}  // namespace vw::ingest
