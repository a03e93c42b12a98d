// FrontQueue: a vector with a moving front, for a key's reorder buffer (KeyState::pending).
// std::deque allocated a 512-byte block and its map for every key even while empty, which at
// millions of resident keys was most of their memory; an empty FrontQueue allocates nothing.
// Elements are popped at the front, appended at the back and, rarely (out-of-order arrivals),
// inserted in the middle. Iterators and references are invalidated by any insertion, and by a
// pop_front that compacts. Not thread-safe.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace vw::detect {

template <class T>
class FrontQueue {
 public:
  using iterator = typename std::vector<T>::iterator;
  using const_iterator = typename std::vector<T>::const_iterator;

  bool empty() const { return head_ == items_.size(); }
  size_t size() const { return items_.size() - head_; }
  size_t capacity() const { return items_.capacity(); }
  T& operator[](size_t i) { return items_[head_ + i]; }
  const T& operator[](size_t i) const { return items_[head_ + i]; }
  T& front() { return items_[head_]; }
  const T& front() const { return items_[head_]; }
  T& back() { return items_.back(); }
  const T& back() const { return items_.back(); }
  iterator begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  const_iterator end() const { return items_.end(); }

  void push_back(T v) { items_.push_back(std::move(v)); }
  iterator insert(iterator pos, T v) { return items_.insert(pos, std::move(v)); }
  void pop_front() {
    items_[head_] = T();  // releases what the element holds now
    if (++head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= 32 && 2 * head_ >= items_.size()) {
      // Amortised O(1): at least as many elements popped as are moved.
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  // Frees the memory of an empty queue (a key going idle).
  void ShrinkIfEmpty() {
    if (empty()) std::vector<T>().swap(items_);
  }

 private:
  std::vector<T> items_;
  size_t head_ = 0;
};

}  // namespace vw::detect
