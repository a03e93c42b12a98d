// Restorer: a worker's restore threads. Run the RestoreJobs of the partitions the worker was
// assigned, while the worker's thread keeps polling so that its consumer stays in the group.
// A few at a time (`threads`): a large partition does not hold the others' restores up behind
// it, and the memory of restores in flight (fetch buffers, write batches) stays bounded.
//
// Thread-safety: Submit, Cancel and TakeFinished are called from the worker's thread; jobs run
// on the restore threads, started on the first Submit.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"
#include "kafka/types.h"
#include "runtime/task.h"

namespace vw::runtime {

class Restorer {
 public:
  explicit Restorer(int threads = 2) : threads_(threads < 1 ? 1 : threads) {}
  ~Restorer();  // cancels every job and joins the threads
  Restorer(const Restorer&) = delete;
  Restorer& operator=(const Restorer&) = delete;

  // Queues `job` for `tp` (at most one per partition: Cancel the old one first).
  void Submit(const kafka::TopicPartition& tp, std::unique_ptr<RestoreJob> job);
  // Drops `tp`'s job: a queued one at once; a running one is cancelled and waited for. Its
  // outcome is not reported.
  void Cancel(const kafka::TopicPartition& tp);
  // The jobs that ended since the last call, with how.
  std::vector<std::pair<kafka::TopicPartition, Status>> TakeFinished();

 private:
  void Loop();

  const int threads_;
  std::mutex mu_;
  std::condition_variable cv_;  // queue_ grew, stop_ set, or a running job ended
  std::deque<std::pair<kafka::TopicPartition, std::unique_ptr<RestoreJob>>> queue_;
  // Running jobs' cancel flags (owned by the running thread's frame).
  std::map<kafka::TopicPartition, std::atomic<bool>*> running_;
  std::vector<std::pair<kafka::TopicPartition, Status>> finished_;
  bool stop_ = false;
  std::vector<std::thread> pool_;
};

}  // namespace vw::runtime
