// KeyFilter: an in-memory Bloom filter of the keys a StateStore holds, so that a read of a key
// the store has never written (the first sighting of a caller on a vault, of a secret name, of an
// operation: most reads once there are millions of keys) is answered without RocksDB.
//
// RocksDB answers such a read from its own bloom filters too, but only after the memtables'
// filters, a superversion reference and one filter partition per level (each a block-cache
// lookup): several microseconds, where this costs one cache miss. It is an accelerator, never a
// source of truth: "may contain" is always checked in RocksDB, so a false positive costs what a
// read cost before, and a filter that is missing or stale is simply not consulted (StateStore).
//
// Blocked layout (Putze et al., "Cache-, hash- and space-efficient Bloom filters"): each key sets
// kProbes bits within one 64-byte block, so a lookup touches one cache line. At 12 bits per key
// (capacity_keys) about 1.5% of absent keys read as present.
//
// Fixed size: a Bloom filter cannot grow or forget keys. The store rebuilds it from a scan when
// enough keys have been added (or deleted by expiry) since it was built.
//
// Thread-safety: Add and MayContain may run concurrently from any threads (relaxed atomics): the
// store's own thread adds written keys while a background thread adds the keys it scans.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace vw::state {

class KeyFilter {
 public:
  static constexpr int kProbes = 6;
  static constexpr size_t kBlockBytes = 64;
  static constexpr size_t kBitsPerKey = 12;

  // A filter of `bytes` (rounded down to whole blocks, at least one block), all bits clear.
  explicit KeyFilter(size_t bytes);
  KeyFilter(const KeyFilter&) = delete;
  KeyFilter& operator=(const KeyFilter&) = delete;

  // Records the key whose HashBytes is `hash`. True if it set a bit (the key was certainly not
  // recorded before): the store counts those as keys added.
  bool Add(uint64_t hash);
  // False only if `hash` was never added.
  bool MayContain(uint64_t hash) const;

  size_t bytes() const { return blocks_ * kBlockBytes; }
  // Keys it holds at about kBitsPerKey bits each: beyond that, false positives climb.
  size_t capacity_keys() const { return bytes() * 8 / kBitsPerKey; }

 private:
  static constexpr size_t kWordsPerBlock = kBlockBytes / sizeof(uint64_t);
  // The block of `hash` (its high half, mapped onto [0, blocks_) without a division).
  size_t Block(uint64_t hash) const {
    return static_cast<size_t>(((hash >> 32) * static_cast<uint64_t>(blocks_)) >> 32);
  }

  size_t blocks_;
  std::unique_ptr<std::atomic<uint64_t>[]> words_;
};

}  // namespace vw::state
