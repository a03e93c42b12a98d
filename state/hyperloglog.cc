#include "state/hyperloglog.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vw::state {

void HyperLogLog::Split(uint64_t hash, size_t* index, uint8_t* rank) {
  *index = static_cast<size_t>(hash >> (64 - kPrecision));
  const uint64_t rest = hash << kPrecision;  // the remaining 64 - p bits, left-aligned
  const int lz = rest == 0 ? 64 - kPrecision : std::countl_zero(rest);
  *rank = static_cast<uint8_t>(std::min(lz, 64 - kPrecision) + 1);
}

bool HyperLogLog::Add(uint64_t hash) {
  size_t i;
  uint8_t r;
  Split(hash, &i, &r);
  if (registers_[i] >= r) return false;
  registers_[i] = r;
  return true;
}

bool HyperLogLog::MaybeContains(uint64_t hash) const {
  size_t i;
  uint8_t r;
  Split(hash, &i, &r);
  return registers_[i] >= r;
}

bool HyperLogLog::RegistersMaybeContain(std::string_view registers, uint64_t hash) {
  size_t i;
  uint8_t r;
  Split(hash, &i, &r);
  return static_cast<uint8_t>(registers[i]) >= r;
}

void HyperLogLog::AddToRegisters(char* registers, uint64_t hash) {
  size_t i;
  uint8_t r;
  Split(hash, &i, &r);
  if (static_cast<uint8_t>(registers[i]) < r) registers[i] = static_cast<char>(r);
}

void HyperLogLog::Merge(const HyperLogLog& other) { MergeRegisters(other.bytes()); }

void HyperLogLog::MergeRegisters(std::string_view registers) {
  if (registers.size() != kRegisters) return;
  const auto* src = reinterpret_cast<const uint8_t*>(registers.data());
  uint8_t* dst = registers_.data();
  size_t i = 0;
#if defined(__SSE2__)
  // 16 registers per instruction (GCC does not vectorize the byte loop at -O2): a hot caller's
  // 24 hourly sketches are merged on every count.
  for (; i + 16 <= kRegisters; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(dst + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_max_epu8(a, b));
  }
#endif
  for (; i < kRegisters; ++i) dst[i] = dst[i] < src[i] ? src[i] : dst[i];
}

void HyperLogLog::Clear() { std::fill(registers_.begin(), registers_.end(), uint8_t{0}); }

double HyperLogLog::Estimate() const {
  const double m = static_cast<double>(kRegisters);
  double sum = 0;
  size_t zeros = 0;
  // 2^-r by table (ranks are at most 64 - kPrecision + 1): exact, as ldexp was, without a libm
  // call per register.
  static const std::array<double, 66> kInversePowers = [] {
    std::array<double, 66> t{};
    for (size_t r = 0; r < t.size(); ++r) t[r] = std::ldexp(1.0, -static_cast<int>(r));
    return t;
  }();
  for (uint8_t r : registers_) {
    sum += kInversePowers[r];
    if (r == 0) ++zeros;
  }
  const double alpha = 0.7213 / (1.0 + 1.079 / m);
  const double raw = alpha * m * m / sum;
  if (raw <= 2.5 * m && zeros > 0) {
    return m * std::log(m / static_cast<double>(zeros));  // linear counting for small sets
  }
  return raw;
}

bool HyperLogLog::Load(std::string_view bytes) {
  if (bytes.size() != kRegisters) return false;
  std::memcpy(registers_.data(), bytes.data(), kRegisters);
  return true;
}

}  // namespace vw::state
