// RecordFormatter: turns an Ev into one Azure Key Vault AuditEvent JSON record, shaped like the
// real samples (field order and names of Microsoft's documentation example, resourceId upper-case,
// durationMs a string, both identity-claim shapes, 401 challenges without identity, ...).
//
// Fast path: per-entity strings are precomputed in the Tenant; records are assembled with memcpy
// into one growing buffer; the only per-record work is the time, ids, versions and numbers.
//
// Ownership: borrows the Tenant (must outlive the formatter). Not thread-safe (owns an Rng for
// correlation ids and durations, drawn in output order, so output stays deterministic).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "generator/model.h"
#include "generator/rng.h"

namespace vw::gen {

// An append-only byte buffer with cheap raw writes.
class OutBuffer {
 public:
  // Makes room for `extra` more bytes and returns where they go; call Commit(end) afterwards.
  char* Reserve(size_t extra) {
    if (data_.size() < used_ + extra) data_.resize(std::max(data_.size() * 2, used_ + extra));
    return data_.data() + used_;
  }
  void Commit(char* end) { used_ = static_cast<size_t>(end - data_.data()); }
  void Append(std::string_view s) {
    char* p = Reserve(s.size());
    std::memcpy(p, s.data(), s.size());
    used_ += s.size();
  }
  std::string_view view() const { return {data_.data(), used_}; }
  size_t size() const { return used_; }
  void Clear() { used_ = 0; }

 private:
  std::vector<char> data_;
  size_t used_ = 0;
};

class RecordFormatter {
 public:
  RecordFormatter(const Tenant* tenant, uint64_t seed);
  // Appends the record (no trailing newline or separator).
  void Append(const Ev& ev, OutBuffer* out);
  // Upper bound of one record's size (Reserve granularity).
  static constexpr size_t kMaxRecord = 16 * 1024;

 private:
  const Tenant* tenant_;
  Rng rng_;
  // "YYYY-MM-DDT" of the day last formatted.
  int64_t cached_day_ = INT64_MIN;
  char day_prefix_[11];
};

}  // namespace vw::gen
