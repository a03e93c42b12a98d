// AbortStreak: what a worker does about transactions that keep aborting.
//
// Most aborts pass: a broker restart, a fenced producer, a rebalance. The worker rewinds and
// redoes the work, and the next commit succeeds. Some causes do not pass, because the redone work
// is the same work: a record the broker refuses (over the topic's max.message.bytes), a topic the
// principal may not write. Retried flat out, such an abort loops for ever, hammering the broker
// and the log while the partition stops. So an abort is retried at once, a second one in a row
// (no commit in between) after `first_backoff`, doubling up to `max_backoff`; from `stuck_after`
// aborts in a row the worker counts as stuck, which the pipeline reports as unhealthy (/healthz)
// until a commit succeeds. It keeps retrying: an operator may fix the cause (raise the topic
// limit, grant the ACL) without restarting anything.
//
// Pure bookkeeping, no clock: the caller waits. Thread-compatible.
#pragma once

#include <chrono>
#include <optional>

namespace vw::runtime {

class AbortStreak {
 public:
  struct Options {
    int stuck_after = 5;
    std::chrono::milliseconds first_backoff{100};
    std::chrono::milliseconds max_backoff{10000};
  };

  AbortStreak() : AbortStreak(Options()) {}
  explicit AbortStreak(Options options) : options_(options) {}

  // An aborted transaction; returns how long to wait before redoing the work.
  std::chrono::milliseconds OnAbort();
  // A committed transaction: the streak ends. Returns true when it ended a stuck one.
  bool OnCommit();

  int aborts_in_a_row() const { return aborts_; }
  bool stuck() const { return aborts_ >= options_.stuck_after; }
  // True exactly when the last OnAbort made the worker stuck (to report it once).
  bool just_stuck() const { return aborts_ == options_.stuck_after; }

 private:
  Options options_;
  int aborts_ = 0;
};

// CallRetry: the pacing of one retriable Kafka call repeated within a time budget
// (init_transactions, send_offsets_to_transaction, commit_transaction, abort_transaction). A
// retriable error (broker restart, coordinator moving) usually passes within seconds; repeating
// the call flat out would hammer the broker and the log meanwhile. So the next attempt waits
// `first` (50 ms), doubling up to `max` (2 s), and once the budget since the first attempt is
// spent the caller gives up with the last error (the worker then treats it as abortable, or, for
// init_transactions, fails and is restarted by the pipeline).
//
// Pure bookkeeping, no clock: the caller measures and waits. Thread-compatible.
class CallRetry {
 public:
  explicit CallRetry(std::chrono::milliseconds budget,
                     std::chrono::milliseconds first = std::chrono::milliseconds(50),
                     std::chrono::milliseconds max = std::chrono::milliseconds(2000))
      : budget_(budget), next_(first), max_(max) {}

  // After a failed attempt, `elapsed` since the first one: how long to wait before the next, or
  // nullopt when waiting would pass the budget (give up now).
  std::optional<std::chrono::milliseconds> Next(std::chrono::milliseconds elapsed);
  int attempts() const { return attempts_; }

 private:
  std::chrono::milliseconds budget_, next_, max_;
  int attempts_ = 1;
};

}  // namespace vw::runtime
