#include "runtime/partitioner.h"

namespace vw::runtime {

int32_t KafkaMurmur2(std::string_view data) {
  // Unsigned arithmetic throughout: Java's int overflow wraps, C++'s signed overflow does not.
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto length = static_cast<uint32_t>(data.size());
  uint32_t h = 0x9747b28cU ^ length;
  const auto* b = reinterpret_cast<const unsigned char*>(data.data());
  const uint32_t length4 = length / 4;
  for (uint32_t i = 0; i < length4; ++i) {
    const uint32_t i4 = i * 4;
    uint32_t k = static_cast<uint32_t>(b[i4]) | (static_cast<uint32_t>(b[i4 + 1]) << 8) |
                 (static_cast<uint32_t>(b[i4 + 2]) << 16) |
                 (static_cast<uint32_t>(b[i4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint32_t tail = length & ~3U;
  switch (length % 4) {
    case 3:
      h ^= static_cast<uint32_t>(b[tail + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint32_t>(b[tail + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(b[tail]);
      h *= m;
      break;
    default:
      break;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t KeyPartition(std::string_view key, int32_t partitions) {
  const auto positive = static_cast<uint32_t>(KafkaMurmur2(key)) & 0x7fffffffU;
  return static_cast<int32_t>(positive % static_cast<uint32_t>(partitions));
}

}  // namespace vw::runtime
