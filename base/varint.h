// LEB128 varints (7 bits a byte, low group first, high bit = more follows): the one encoder and
// decoder of the state encodings (state/encoding.h), the batched keyed records (events.v1,
// proto/vw/v1/records.h, written by runtime/ingest_stage.cc) and the engine's key-state codec.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vw {

// The most bytes a varint of a 32-bit and of a 64-bit value takes.
inline constexpr int kMaxVarint32Bytes = 5;
inline constexpr int kMaxVarint64Bytes = 10;

inline void PutVarint64(std::string* dst, uint64_t v) {
  while (v >= 0x80) {
    dst->push_back(static_cast<char>(static_cast<uint8_t>(v) | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

// Reads a varint of at most `max_bytes` bytes from the front of `*in`, advancing it past the
// varint. False on truncated input or when no byte within `max_bytes` ends the varint (`*in` is
// then unspecified). With kMaxVarint32Bytes the value may still exceed 32 bits (the fifth byte's
// high bits are kept): callers that bound it compare it with what they expect.
inline bool GetVarint64(std::string_view* in, uint64_t* v, int max_bytes = kMaxVarint64Bytes) {
  uint64_t result = 0;
  for (int shift = 0; shift < 7 * max_bytes && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

// Zigzag: signed values with a small magnitude get short varints.
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

}  // namespace vw
