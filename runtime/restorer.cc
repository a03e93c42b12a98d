#include "runtime/restorer.h"

namespace vw::runtime {

Restorer::~Restorer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    queue_.clear();
    for (auto& [tp, cancel] : running_) cancel->store(true);
  }
  cv_.notify_all();
  for (auto& t : pool_) t.join();
}

void Restorer::Submit(const kafka::TopicPartition& tp, std::unique_ptr<RestoreJob> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.emplace_back(tp, std::move(job));
    if (static_cast<int>(pool_.size()) < threads_) pool_.emplace_back([this] { Loop(); });
  }
  cv_.notify_all();
}

void Restorer::Cancel(const kafka::TopicPartition& tp) {
  std::unique_lock<std::mutex> lock(mu_);
  std::erase_if(queue_, [&](const auto& q) { return q.first == tp; });
  if (auto it = running_.find(tp); it != running_.end()) {
    it->second->store(true);
    cv_.wait(lock, [&] { return running_.count(tp) == 0; });
  }
  // A job that ended before the cancel: its outcome is for a partition no longer ours.
  std::erase_if(finished_, [&](const auto& f) { return f.first == tp; });
}

std::vector<std::pair<kafka::TopicPartition, Status>> Restorer::TakeFinished() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(finished_, {});
}

void Restorer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    auto [tp, job] = std::move(queue_.front());
    queue_.pop_front();
    std::atomic<bool> cancel{false};
    running_[tp] = &cancel;
    lock.unlock();
    Status s = job->Run(cancel);
    job.reset();  // closes its store before the partition is opened on the worker's thread
    lock.lock();
    running_.erase(tp);
    if (!cancel.load()) finished_.emplace_back(tp, std::move(s));
    cv_.notify_all();
  }
}

}  // namespace vw::runtime
