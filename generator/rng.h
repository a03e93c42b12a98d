// Rng: the generator's deterministic pseudo-random source (xoshiro256**, seeded by SplitMix64).
//
// Why not <random>: std::uniform_int_distribution and friends are implementation-defined, so the
// same seed could give different traffic on another standard library; byte-identical output for a
// seed is a promise of `vaultwatch generate`. Every draw here is specified bit for bit.
//
// Thread-safety: a value type; one Rng per thread. Cheap to copy (32 bytes).
#pragma once

#include <cmath>
#include <cstdint>

namespace vw::gen {

// SplitMix64 step: also a good 64-bit hash for deriving stable values (versions, ids) from indices.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (auto& s : s_) {
      x += 0x9e3779b97f4a7c15ULL;
      s = Mix64(x);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), n > 0 (Lemire's multiply-shift; the tiny bias is irrelevant here and the
  // result is fully specified, which is what matters).
  uint64_t Below(uint64_t n) {
    __extension__ using U128 = unsigned __int128;
    return static_cast<uint64_t>((static_cast<U128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi], inclusive.
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Uniform() < p; }

  // Poisson-distributed count with mean `lambda` (inversion below 30, rounded normal above).
  int64_t Poisson(double lambda) {
    if (lambda <= 0) return 0;
    if (lambda < 30) {
      double l = std::exp(-lambda), p = 1.0;
      int64_t k = 0;
      do {
        ++k;
        p *= Uniform();
      } while (p > l);
      return k - 1;
    }
    // Box-Muller, one value.
    double u1 = Uniform(), u2 = Uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    double v = lambda + z * std::sqrt(lambda);
    return v < 0 ? 0 : static_cast<int64_t>(v + 0.5);
  }

  // A derived, independent stream (for sub-generators whose draws must not shift others).
  Rng Fork(uint64_t salt) { return Rng(Next() ^ Mix64(salt)); }

 private:
  static constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace vw::gen
