// Clock: the wall clock, injected. Detection never reads it (it runs on event time); timers,
// commit intervals, metrics and progress do. Tests use ManualClock to move time without sleeping.
//
// Thread-safety: SystemClock is stateless; ManualClock is safe to read and advance concurrently.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/types.h"

namespace vw {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch (realtime).
  virtual int64_t NowMicros() const = 0;
  // Microseconds from an arbitrary fixed point; never goes backwards. For intervals.
  virtual int64_t MonotonicMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
  int64_t MonotonicMicros() const override;
  // A process-wide instance.
  static SystemClock* Default();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_micros = 0) : now_(start_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  int64_t MonotonicMicros() const override { return now_.load(); }
  void Advance(Duration d) { now_.fetch_add(d.micros()); }
  void Set(int64_t micros) { now_.store(micros); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace vw
