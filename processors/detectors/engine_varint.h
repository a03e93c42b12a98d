// Cursor-style writer and reader over base/varint.h (LEB128, zigzag for signed values) for the
// KeyState and reorder-buffer segment encodings and the protobuf wire-format walk of
// StripIgnoredFields. Internal to processors/detectors/. Not thread-safe (one per encoding).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/varint.h"

namespace vw::detect::internal {

class Writer {
 public:
  void U(uint64_t v) { PutVarint64(&out_, v); }
  void I(int64_t v) { U(ZigZag(v)); }
  void S(std::string_view s) {
    U(s.size());
    out_.append(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U(uint64_t* v) { return GetVarint64(&in_, v); }
  bool I(int64_t* v) {
    uint64_t u;
    if (!U(&u)) return false;
    *v = UnZigZag(u);
    return true;
  }
  bool I32(int32_t* v) {
    int64_t x;
    if (!I(&x)) return false;
    *v = static_cast<int32_t>(x);
    return true;
  }
  bool S(std::string* s) {
    uint64_t n;
    if (!U(&n) || n > in_.size()) return false;
    s->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool Skip(uint64_t n) {
    if (n > in_.size()) return false;
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }
  size_t left() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace vw::detect::internal
