// Output sinks for `vaultwatch generate`: where the formatted messages go.
//
// A message is one NDJSON line (a bare record) or one {"records":[...]} envelope line; a Kafka sink
// sends each message as one Kafka record. Sinks are owned by the caller of Generator::Run and used
// from its thread only.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/status.h"

namespace vw::gen {

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // `data` holds whole messages, each ending in '\n'; message i ends at offset ends[i].
  virtual Status Write(std::string_view data, const std::vector<uint32_t>& ends) = 0;
  // Flushes and releases; further writes are errors.
  virtual Status Close() = 0;
};

// Writes to a file (truncating it) or to stdout for "-", with one fwrite per batch.
class FileSink final : public OutputSink {
 public:
  static Result<std::unique_ptr<FileSink>> Open(const std::string& path);
  ~FileSink() override;
  Status Write(std::string_view data, const std::vector<uint32_t>& ends) override;
  Status Close() override;

 private:
  FileSink(std::FILE* f, std::string path, bool owned)
      : f_(f), path_(std::move(path)), owned_(owned) {}
  std::FILE* f_;
  std::string path_;
  bool owned_;
};

// Discards everything, counting bytes (benchmarks of the generator alone).
class NullSink final : public OutputSink {
 public:
  Status Write(std::string_view data, const std::vector<uint32_t>&) override {
    bytes_ += data.size();
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t bytes_ = 0;
};

// Passes messages on at no more than `messages_per_second` (wall clock), sleeping as needed.
class RateLimitedSink final : public OutputSink {
 public:
  RateLimitedSink(OutputSink* inner, double messages_per_second, const Clock* clock)
      : inner_(inner), rate_(messages_per_second), clock_(clock) {}
  Status Write(std::string_view data, const std::vector<uint32_t>& ends) override;
  Status Close() override { return inner_->Close(); }

 private:
  OutputSink* inner_;
  double rate_;
  const Clock* clock_;
  int64_t start_us_ = -1;
  uint64_t sent_ = 0;
};

// Hands batches to `inner` on a background thread, so that formatting the next batch overlaps
// writing this one (file output is otherwise bounded by the sum of both). Copies each batch; holds
// at most `max_queued` batches (Write blocks beyond that: backpressure, bounded memory). The first
// error of `inner` is returned by a later Write or by Close. Owns its thread; not itself
// thread-safe (one producer thread).
class AsyncSink final : public OutputSink {
 public:
  explicit AsyncSink(OutputSink* inner, size_t max_queued = 2);
  ~AsyncSink() override;
  Status Write(std::string_view data, const std::vector<uint32_t>& ends) override;
  Status Close() override;

 private:
  struct Batch {
    std::string data;
    std::vector<uint32_t> ends;
  };
  void Loop();
  Status Stop();

  OutputSink* inner_;
  size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  std::vector<Batch> free_;
  bool done_ = false;
  Status error_;
  std::thread thread_;
};

}  // namespace vw::gen
