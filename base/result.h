// Result<T>: either a value of type T or a non-OK Status. Modelled on arrow::Result.
//
//   Result<Config> LoadConfig(path);
//   VW_ASSIGN_OR_RETURN(Config cfg, LoadConfig(path));
//
// Accessing the value of an errored Result is a bug and aborts (VW_CHECK).
#pragma once

#include <utility>
#include <variant>

#include "base/check.h"
#include "base/status.h"

namespace vw {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, like arrow::Result
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    VW_CHECK(!std::get<Status>(v_).ok()) << "Result constructed from an OK Status without a value";
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }

  const T& value() const& { CheckOk(); return std::get<T>(v_); }
  T& value() & { CheckOk(); return std::get<T>(v_); }
  T&& value() && { CheckOk(); return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  T ValueOr(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }

 private:
  void CheckOk() const { VW_CHECK(ok()) << "value() on an errored Result: " << std::get<Status>(v_); }
  std::variant<Status, T> v_;
};

}  // namespace vw

#define VW_CONCAT_INNER_(a, b) a##b
#define VW_CONCAT_(a, b) VW_CONCAT_INNER_(a, b)
#define VW_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// Evaluates `expr` (a Result<T>); on error returns its Status, else assigns the value to `lhs`.
#define VW_ASSIGN_OR_RETURN(lhs, expr) \
  VW_ASSIGN_OR_RETURN_IMPL_(VW_CONCAT_(vw_result_tmp_, __LINE__), lhs, expr)
