#include "runtime/abort_streak.h"

#include <algorithm>

namespace vw::runtime {

std::chrono::milliseconds AbortStreak::OnAbort() {
  ++aborts_;
  if (aborts_ < 2) return std::chrono::milliseconds(0);
  // first_backoff * 2^(aborts - 2), without overflowing the shift.
  const int doublings = std::min(aborts_ - 2, 30);
  const auto wait = options_.first_backoff * (int64_t{1} << doublings);
  return std::min<std::chrono::milliseconds>(wait, options_.max_backoff);
}

bool AbortStreak::OnCommit() {
  const bool was_stuck = stuck();
  aborts_ = 0;
  return was_stuck;
}

std::optional<std::chrono::milliseconds> CallRetry::Next(std::chrono::milliseconds elapsed) {
  if (elapsed + next_ > budget_) return std::nullopt;
  const std::chrono::milliseconds wait = next_;
  next_ = std::min(next_ * 2, max_);
  ++attempts_;
  return wait;
}

}  // namespace vw::runtime
