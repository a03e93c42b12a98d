// PointerIndex: a hash index from 64-bit hash codes to objects the caller allocates and owns, for
// caches of millions of entries that insert and evict on nearly every event (the state store's
// write cache, the detector engine's key cache).
//
// Open addressing with linear probing over a flat array of {hash, pointer} slots, at most half
// full, and backward-shift deletion (no tombstones). A hit costs one cache miss in the slot array
// and one in the object, where a node-based std::unordered_map costs a bucket walk (bucket,
// predecessor, node) and an erase hashes the key again. The index stores no keys: Find is given
// a predicate that tells whether an object with an equal hash is the one sought.
//
// Not thread-safe. Pointers stay valid (the index never moves the objects, only its slots).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/check.h"

namespace vw {

template <typename T>
class PointerIndex {
 public:
  // The object with hash code `hash` for which `is_it(const T&)` is true, or nullptr.
  template <typename Pred>
  T* Find(uint64_t hash, Pred&& is_it) const {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.item == nullptr) return nullptr;
      if (slot.hash == hash && is_it(*slot.item)) return slot.item;
    }
  }

  // Adds `item` (not null, not already in the index) under `hash`.
  void Insert(uint64_t hash, T* item) {
    if (2 * (used_ + 1) > slots_.size()) Grow();
    Place(hash, item);
    ++used_;
  }

  // Removes `item`, which must be in the index under `hash`. Does not free it.
  void Erase(uint64_t hash, const T* item) {
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (slots_[i].item != item) {
      VW_CHECK(slots_[i].item != nullptr) << "pointer index: entry missing";
      i = (i + 1) & mask;
    }
    // Backward shift: move later entries of the probe run into the hole when their home slot
    // allows it, so that lookups never need tombstones.
    size_t hole = i;
    for (size_t j = (i + 1) & mask; slots_[j].item != nullptr; j = (j + 1) & mask) {
      const size_t home = slots_[j].hash & mask;
      // Movable if `home` is not cyclically within (hole, j].
      const bool in_run = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!in_run) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
    --used_;
  }

  // Calls fn(T*) for every object, in no particular order. `fn` must not change the index.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const Slot& slot : slots_) {
      if (slot.item != nullptr) fn(slot.item);
    }
  }

  // Forgets every object (frees none) and the slot array.
  void Clear() {
    slots_.clear();
    slots_.shrink_to_fit();
    used_ = 0;
  }

  size_t size() const { return used_; }
  // Bytes of the slot array, for memory accounting.
  size_t slot_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t hash = 0;
    T* item = nullptr;  // nullptr: empty
  };

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, 2 * old.size()), Slot{});
    for (const Slot& slot : old) {
      if (slot.item != nullptr) Place(slot.hash, slot.item);
    }
  }
  void Place(uint64_t hash, T* item) {
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (slots_[i].item != nullptr) i = (i + 1) & mask;
    slots_[i] = Slot{hash, item};
  }

  std::vector<Slot> slots_;  // size 0 or a power of two, at most half full
  size_t used_ = 0;
};

}  // namespace vw
