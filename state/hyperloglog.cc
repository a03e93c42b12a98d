#include "state/hyperloglog.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

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

void HyperLogLog::Merge(const HyperLogLog& other) {
  for (size_t i = 0; i < kRegisters; ++i)
    registers_[i] = std::max(registers_[i], other.registers_[i]);
}

double HyperLogLog::Estimate() const {
  const double m = static_cast<double>(kRegisters);
  double sum = 0;
  size_t zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -static_cast<int>(r));
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
