// HyperLogLog: a fixed-size sketch of a set's cardinality (Flajolet et al. 2007, with the
// small-range linear-counting correction). 2^kPrecision one-byte registers; standard error
// ~1.04 / sqrt(2^kPrecision) (2.3% at precision 11). Fed 64-bit hashes (StableHash64), so sketches
// built on different instances merge exactly (register-wise max).
//
// A value type; thread-safety as any value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vw::state {

class HyperLogLog {
 public:
  static constexpr int kPrecision = 11;
  static constexpr size_t kRegisters = size_t{1} << kPrecision;

  HyperLogLog() : registers_(kRegisters, 0) {}
  // Returns true if a register changed (the hash was certainly not counted before).
  bool Add(uint64_t hash);
  // True if adding `hash` would change nothing (it may have been seen).
  bool MaybeContains(uint64_t hash) const;
  void Merge(const HyperLogLog& other);
  // Merge with registers held elsewhere (kRegisters bytes, e.g. inside a stored value).
  void MergeRegisters(std::string_view registers);
  // Back to the empty sketch, keeping the registers' memory.
  void Clear();
  double Estimate() const;

  // Exactly kRegisters bytes.
  std::string_view bytes() const {
    return {reinterpret_cast<const char*>(registers_.data()), registers_.size()};
  }
  // False unless `bytes` has exactly kRegisters bytes.
  bool Load(std::string_view bytes);

  // The same operations on registers held elsewhere (kRegisters bytes, e.g. inside a stored
  // value), so a reader need not copy a sketch to test or update one member.
  static bool RegistersMaybeContain(std::string_view registers, uint64_t hash);
  static void AddToRegisters(char* registers, uint64_t hash);

 private:
  static void Split(uint64_t hash, size_t* index, uint8_t* rank);
  std::vector<uint8_t> registers_;
};

}  // namespace vw::state
