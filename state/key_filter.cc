#include "state/key_filter.h"

#include <algorithm>

#include "base/hash.h"

namespace vw::state {
namespace {

// The bit positions within a block: kProbes slices of 9 bits (512 bits per block) of a remix of
// the hash, independent of the high half that chose the block.
inline uint64_t ProbeBits(uint64_t hash) {
  return SplitMix64Finalize(hash ^ 0x5bd1e9955bd1e995ULL);
}

}  // namespace

KeyFilter::KeyFilter(size_t bytes)
    : blocks_(std::max<size_t>(1, bytes / kBlockBytes)),
      words_(new std::atomic<uint64_t>[blocks_ * kWordsPerBlock]()) {}

bool KeyFilter::Add(uint64_t hash) {
  std::atomic<uint64_t>* block = &words_[Block(hash) * kWordsPerBlock];
  uint64_t bits = ProbeBits(hash);
  bool added = false;
  for (int i = 0; i < kProbes; ++i, bits >>= 9) {
    const uint64_t mask = uint64_t{1} << (bits & 63);
    std::atomic<uint64_t>& word = block[(bits >> 6) & 7];
    // Test first: a key added again (most writes) dirties no cache line.
    if ((word.load(std::memory_order_relaxed) & mask) == 0) {
      word.fetch_or(mask, std::memory_order_relaxed);
      added = true;
    }
  }
  return added;
}

bool KeyFilter::MayContain(uint64_t hash) const {
  const std::atomic<uint64_t>* block = &words_[Block(hash) * kWordsPerBlock];
  uint64_t bits = ProbeBits(hash);
  for (int i = 0; i < kProbes; ++i, bits >>= 9) {
    if ((block[(bits >> 6) & 7].load(std::memory_order_relaxed) & (uint64_t{1} << (bits & 63))) ==
        0) {
      return false;
    }
  }
  return true;
}

}  // namespace vw::state
