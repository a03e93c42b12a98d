#include "generator/sinks.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace vw::gen {

Result<std::unique_ptr<FileSink>> FileSink::Open(const std::string& path) {
  if (path == "-") return std::unique_ptr<FileSink>(new FileSink(stdout, path, false));
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr)
    return Status::IOError("cannot open " + path + " for writing: " + std::strerror(errno));
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  return std::unique_ptr<FileSink>(new FileSink(f, path, true));
}

FileSink::~FileSink() {
  if (f_ != nullptr && owned_) std::fclose(f_);
}

Status FileSink::Write(std::string_view data, const std::vector<uint32_t>&) {
  if (f_ == nullptr) return Status::FailedPrecondition("write to closed " + path_);
  if (std::fwrite(data.data(), 1, data.size(), f_) != data.size()) {
    return Status::IOError("writing " + path_ + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status FileSink::Close() {
  if (f_ == nullptr) return Status::OK();
  int rc = owned_ ? std::fclose(f_) : std::fflush(f_);
  f_ = nullptr;
  if (rc != 0) return Status::IOError("closing " + path_ + ": " + std::strerror(errno));
  return Status::OK();
}

Status RateLimitedSink::Write(std::string_view data, const std::vector<uint32_t>& ends) {
  if (rate_ <= 0) return inner_->Write(data, ends);
  if (start_us_ < 0) start_us_ = clock_->MonotonicMicros();
  // Pass the batch on in slices so the rate is smooth even for large batches.
  size_t from = 0, begin = 0;
  const size_t slice = std::max<size_t>(1, static_cast<size_t>(rate_ / 50));
  while (from < ends.size()) {
    size_t to = std::min(ends.size(), from + slice);
    std::vector<uint32_t> part;
    part.reserve(to - from);
    for (size_t i = from; i < to; ++i) part.push_back(static_cast<uint32_t>(ends[i] - begin));
    VW_RETURN_IF_ERROR(inner_->Write(data.substr(begin, ends[to - 1] - begin), part));
    sent_ += to - from;
    begin = ends[to - 1];
    from = to;
    int64_t due = start_us_ + static_cast<int64_t>(static_cast<double>(sent_) * 1e6 / rate_);
    int64_t now = clock_->MonotonicMicros();
    if (due > now) std::this_thread::sleep_for(std::chrono::microseconds(due - now));
  }
  return Status::OK();
}

AsyncSink::AsyncSink(OutputSink* inner, size_t max_queued)
    : inner_(inner), max_queued_(std::max<size_t>(1, max_queued)), thread_([this] { Loop(); }) {}

AsyncSink::~AsyncSink() { Stop().IgnoreError(); }  // errors were reported by Write/Close, if called

Status AsyncSink::Write(std::string_view data, const std::vector<uint32_t>& ends) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < max_queued_ || !error_.ok() || done_; });
  if (!error_.ok()) return error_;
  if (done_) return Status::FailedPrecondition("write to a closed sink");
  Batch b;
  if (!free_.empty()) {
    b = std::move(free_.back());
    free_.pop_back();
  }
  lock.unlock();
  b.data.assign(data);
  b.ends = ends;
  lock.lock();
  queue_.push_back(std::move(b));
  cv_.notify_all();
  return Status::OK();
}

void AsyncSink::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) return;  // done and drained
    Batch b = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Status s = error_.ok() ? inner_->Write(b.data, b.ends) : Status::OK();
    lock.lock();
    if (!s.ok() && error_.ok()) error_ = s;
    free_.push_back(std::move(b));
    cv_.notify_all();
  }
}

Status AsyncSink::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_ && !thread_.joinable()) return error_;
    done_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  return error_;
}

Status AsyncSink::Close() {
  Status s = Stop();
  Status c = inner_->Close();
  return s.ok() ? c : s;
}

}  // namespace vw::gen
