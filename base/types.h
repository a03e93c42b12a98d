// Strong types for the quantities that are easy to mix up: event time vs. wall time, Kafka offsets
// vs. counts, partition ids vs. anything else that is an int. Each wraps one integer, compares and
// hashes like it, and converts to the raw value only through an explicit .value().
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

namespace vw {

template <typename Tag, typename Rep>
class StrongInt {
 public:
  using rep = Rep;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  constexpr auto operator<=>(const StrongInt&) const = default;
  friend std::ostream& operator<<(std::ostream& os, StrongInt s) { return os << s.v_; }

 private:
  Rep v_{};
};

// A span of time in microseconds (Azure timestamps carry up to 7 fractional digits; microseconds
// keep them to within 1 us and fit 292,000 years in an int64).
class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Micros(int64_t us) { return Duration(us); }
  static constexpr Duration Millis(int64_t ms) { return Duration(ms * 1000); }
  static constexpr Duration Seconds(int64_t s) { return Duration(s * 1000000); }
  static constexpr Duration Minutes(int64_t m) { return Seconds(m * 60); }
  static constexpr Duration Hours(int64_t h) { return Minutes(h * 60); }
  static constexpr Duration Days(int64_t d) { return Hours(d * 24); }
  constexpr int64_t micros() const { return us_; }
  constexpr int64_t millis() const { return us_ / 1000; }
  constexpr double seconds() const { return static_cast<double>(us_) / 1e6; }
  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(us_ + o.us_); }
  constexpr Duration operator-(Duration o) const { return Duration(us_ - o.us_); }
  constexpr Duration operator*(int64_t k) const { return Duration(us_ * k); }

 private:
  constexpr explicit Duration(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

// A point in event time: microseconds since the Unix epoch, UTC, taken from a record's `time`.
// Never the wall clock (see Clock for that).
class EventTime {
 public:
  constexpr EventTime() = default;
  static constexpr EventTime FromMicros(int64_t us) { return EventTime(us); }
  static constexpr EventTime FromMillis(int64_t ms) { return EventTime(ms * 1000); }
  static constexpr EventTime FromSeconds(int64_t s) { return EventTime(s * 1000000); }
  static constexpr EventTime Min() { return EventTime(INT64_MIN); }
  static constexpr EventTime Max() { return EventTime(INT64_MAX); }
  constexpr int64_t micros() const { return us_; }
  constexpr int64_t millis() const { return us_ / 1000; }
  constexpr int64_t seconds() const { return us_ / 1000000; }
  constexpr auto operator<=>(const EventTime&) const = default;
  constexpr EventTime operator+(Duration d) const { return EventTime(us_ + d.micros()); }
  constexpr EventTime operator-(Duration d) const { return EventTime(us_ - d.micros()); }
  constexpr Duration operator-(EventTime o) const { return Duration::Micros(us_ - o.us_); }
  // The start of the bucket of width `width` that holds this time (floor, also for negative times).
  constexpr EventTime FloorTo(Duration width) const {
    int64_t w = width.micros();
    int64_t q = us_ / w;
    if (us_ % w < 0) --q;
    return EventTime(q * w);
  }
  friend std::ostream& operator<<(std::ostream& os, EventTime t) { return os << t.us_ << "us"; }

 private:
  constexpr explicit EventTime(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

struct KafkaOffsetTag {};
struct PartitionIdTag {};
using KafkaOffset = StrongInt<KafkaOffsetTag, int64_t>;
using PartitionId = StrongInt<PartitionIdTag, int32_t>;

}  // namespace vw

template <typename Tag, typename Rep>
struct std::hash<vw::StrongInt<Tag, Rep>> {
  size_t operator()(vw::StrongInt<Tag, Rep> s) const noexcept { return std::hash<Rep>()(s.value()); }
};
