// Status: the outcome of an operation that can fail, as a value.
//
// Modelled on rocksdb::Status and arrow::Status: a code plus a human-readable message naming what
// failed (file, record, field). OK carries no allocation. Status is [[nodiscard]]: dropping one is
// a compile error unless done explicitly with IgnoreError(), which says "I thought about it".
//
// Thread-safety: a Status is a value; distinct objects may be used from distinct threads.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace vw {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,   // the caller passed something malformed (bad record, bad config value)
  kNotFound,          // a key, file or topic that should exist does not
  kAlreadyExists,
  kOutOfRange,        // e.g. a timestamp outside the representable range
  kCorruption,        // stored data failed a consistency check
  kIOError,           // the OS or a library failed to read/write
  kUnavailable,       // transient: retrying may succeed (broker down, timeout)
  kAborted,           // an operation (e.g. a Kafka transaction) was aborted and may be retried whole
  kFatal,             // unrecoverable for this object (e.g. a fenced producer): recreate it
  kFailedPrecondition,
  kInternal,          // a bug: an invariant did not hold
  kCancelled,         // shutdown requested
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status Aborted(std::string msg) { return {StatusCode::kAborted, std::move(msg)}; }
  static Status Fatal(std::string msg) { return {StatusCode::kFatal, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {StatusCode::kFailedPrecondition, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // Empty for OK.
  const std::string& message() const;
  // "InvalidArgument: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: original message"; OK stays OK.
  Status WithContext(std::string_view context) const;

  // Explicitly discards the status: for call sites where failure is acceptable (say why there).
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  // shared_ptr keeps Status cheap to copy; the state is immutable once created.
  std::shared_ptr<const State> state_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

}  // namespace vw

// Returns early from the enclosing function if `expr` (a Status) is not OK.
#define VW_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    ::vw::Status vw_status_tmp_ = (expr);         \
    if (!vw_status_tmp_.ok()) return vw_status_tmp_; \
  } while (false)
