#include "forensics/event_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <random>

#include "base/logging.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "processors/detectors/file_input.h"
#include "processors/ingest/ingest.h"
#include "vw/v1/records.h"

namespace vw::forensics {

bool IsKafkaSpec(const std::string& spec) { return spec.rfind("kafka:", 0) == 0; }

std::vector<std::string> KafkaTopics(const std::string& spec) {
  std::vector<std::string> out;
  if (!IsKafkaSpec(spec)) return out;
  std::string rest = spec.substr(6);
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t comma = rest.find(',', pos);
    if (comma == std::string::npos) comma = rest.size();
    std::string t = rest.substr(pos, comma - pos);
    if (!t.empty()) out.push_back(t);
    pos = comma + 1;
  }
  return out;
}

namespace {

constexpr int kBrokerTimeoutMs = 15000;

// Filters events by time and forwards them; shared by both sources.
class RangeSink final : public ingest::RecordSink {
 public:
  RangeSink(const SourceOptions& options, SourceCounters* counters, const EventSource::EventFn* fn)
      : options_(options), counters_(counters), fn_(fn) {}

  void OnEvent(v1::AccessEvent&& event) override { Deliver(std::move(event)); }
  void OnDeadLetter(ingest::DeadLetter&& dead) override {
    if (++counters_->dead_letters <= 5) {
      VW_LOG(Warn, "dead letter in replayed input")
          .Field("reason", dead.reason)
          .Field("source", dead.source.source())
          .Field("offset", static_cast<int64_t>(dead.source.offset()));
    }
  }
  void Deliver(v1::AccessEvent&& event) {
    if (!status_.ok()) return;
    last_offset_ = event.source().offset();
    if (event.time_us() < options_.from.micros() || event.time_us() >= options_.to.micros()) {
      ++counters_->out_of_range;
      return;
    }
    ++counters_->events;
    status_ = (*fn_)(std::move(event));
  }
  const Status& status() const { return status_; }
  int64_t last_offset() const { return last_offset_; }

 private:
  const SourceOptions& options_;
  SourceCounters* counters_;
  const EventSource::EventFn* fn_;
  Status status_;
  int64_t last_offset_ = 0;
};

// ---------------------------------------------------------------------------------------------
class FileSource final : public EventSource {
 public:
  explicit FileSource(SourceOptions options) : options_(std::move(options)) {
    struct stat st {};
    if (options_.input != "-" && ::stat(options_.input.c_str(), &st) == 0) {
      size_ = static_cast<uint64_t>(st.st_size);
    }
  }

  Status Run(const EventFn& fn) override {
    ingest::Ingestor ingestor;
    RangeSink sink(options_, &counters_, &fn);
    sink_ = &sink;
    Status st = ingest::IngestFile(options_.input, ingestor, sink);
    sink_ = nullptr;
    done_ = size_;
    const ingest::IngestCounters& ic = ingestor.counters();
    counters_.records = ic.records_in;
    counters_.skipped = ic.skipped;
    VW_RETURN_IF_ERROR(st);
    return sink.status();
  }

  SourceProgress progress() const override {
    uint64_t done = done_;
    if (sink_ != nullptr) done = static_cast<uint64_t>(std::max<int64_t>(0, sink_->last_offset()));
    return {std::min(done, size_), size_};
  }
  const SourceCounters& counters() const override { return counters_; }
  std::string Describe() const override { return "file " + options_.input; }

 private:
  SourceOptions options_;
  SourceCounters counters_;
  uint64_t size_ = 0, done_ = 0;
  const RangeSink* sink_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
struct PartitionRange {
  kafka::TopicPartition tp;
  int64_t start = 0;      // first offset to read
  int64_t end = 0;        // the partition's end when opened: never read at or beyond it
  int64_t end_ms = 0;     // stop at the first record with a timestamp >= this
  int64_t estimate = 0;   // offsets_for_times(end_ms), for progress only (see OpenKafka)
  int64_t next = 0;       // next offset expected (for progress)
  int64_t read_to = -1;   // one past the last offset fetched (for Describe)
  int64_t processed = 0;  // one past the last offset handed on (for progress)
  bool done = false;
};

class KafkaSource final : public EventSource {
 public:
  KafkaSource(SourceOptions options, std::unique_ptr<kafka::Consumer> consumer,
              std::vector<PartitionRange> ranges)
      : options_(std::move(options)), consumer_(std::move(consumer)), ranges_(std::move(ranges)) {
    for (const auto& r : ranges_) {
      total_ += static_cast<uint64_t>(std::max<int64_t>(0, r.estimate - r.start));
    }
  }

  Status Run(const EventFn& fn) override {
    ingest::Ingestor ingestor;
    RangeSink sink(options_, &counters_, &fn);
    kafka::OffsetMap assign;
    std::map<kafka::TopicPartition, size_t> index;
    for (size_t i = 0; i < ranges_.size(); ++i) {
      PartitionRange& r = ranges_[i];
      index[r.tp] = i;
      if (r.start >= r.end) {
        r.done = true;
        continue;
      }
      assign[r.tp] = KafkaOffset(r.start);
    }
    if (!assign.empty()) VW_RETURN_IF_ERROR(consumer_->Assign(assign));
    std::vector<kafka::Message> batch;
    std::vector<kafka::TopicPartition> eof;
    // Per partition (same index as ranges_): records fetched, not yet released by the merge.
    std::vector<std::deque<kafka::Message>> queues(ranges_.size());
    size_t buffered = 0;
    // A partition that neither delivers nor reaches its end for this long means the broker or the
    // topic is gone: fail with the partitions named rather than hang.
    constexpr auto kStall = std::chrono::seconds(120);
    auto last_progress = std::chrono::steady_clock::now();
    while (true) {
      bool all_done = true;
      for (const auto& r : ranges_) all_done &= r.done;
      if (all_done && buffered == 0) break;
      if (!all_done) {
        batch.clear();
        eof.clear();
        VW_RETURN_IF_ERROR(consumer_->Poll(100, 20000, &batch, &eof));
        if (!batch.empty() || !eof.empty()) {
          last_progress = std::chrono::steady_clock::now();
        } else if (std::chrono::steady_clock::now() - last_progress > kStall) {
          std::string stuck;
          for (const auto& r : ranges_) {
            if (!r.done) stuck += " " + r.tp.ToString() + "@" + std::to_string(r.next);
          }
          return Status::Unavailable("no record and no end of partition for 120 s from" + stuck);
        }
        for (kafka::Message& m : batch) {
          auto it = index.find({std::string(m.topic()), m.partition()});
          if (it == index.end()) continue;
          PartitionRange& r = ranges_[it->second];
          if (r.done) continue;
          int64_t off = m.offset().value();
          if (off >= r.end || m.timestamp_ms() >= r.end_ms) {
            r.done = true;
            r.next = r.end;
            continue;
          }
          r.next = off + 1;
          r.read_to = off + 1;
          if (off >= r.end - 1) {
            r.done = true;
            r.next = r.end;
          }
          queues[it->second].push_back(std::move(m));
          ++buffered;
        }
        for (const kafka::TopicPartition& tp : eof) {
          auto it = index.find(tp);
          if (it == index.end()) continue;
          // The end of the partition (its last stable offset): nothing more to read here.
          ranges_[it->second].done = true;
          ranges_[it->second].next = ranges_[it->second].end;
        }
      }
      // Release in timestamp order while every partition still being read has a head (so the
      // smallest head is the smallest of what is left), or when forced by the bound.
      while (buffered > 0) {
        std::deque<kafka::Message>* best = nullptr;
        size_t best_i = 0;
        bool blocked = false;
        for (size_t i = 0; i < ranges_.size(); ++i) {
          std::deque<kafka::Message>& q = queues[i];
          if (q.empty()) {
            if (!ranges_[i].done) blocked = true;
            continue;
          }
          if (best == nullptr || q.front().timestamp_ms() < best->front().timestamp_ms()) {
            best = &q;
            best_i = i;
          }
        }
        if (blocked) {
          if (buffered < options_.merge_buffer) break;
          ++counters_.merge_forced;
        }
        kafka::Message m = std::move(best->front());
        best->pop_front();
        --buffered;
        ranges_[best_i].processed = m.offset().value() + 1;
        Handle(m, ingestor, sink);
        VW_RETURN_IF_ERROR(sink.status());
      }
    }
    for (auto& r : ranges_) r.processed = std::max(r.processed, r.estimate);
    const ingest::IngestCounters& ic = ingestor.counters();
    counters_.skipped += ic.skipped;
    return Status::OK();
  }

  SourceProgress progress() const override {
    uint64_t done = 0;
    for (const auto& r : ranges_) {
      int64_t upto = std::min(r.processed, r.estimate);
      done += static_cast<uint64_t>(std::max<int64_t>(0, upto - r.start));
    }
    return {std::min(done, total_), total_};
  }
  const SourceCounters& counters() const override { return counters_; }
  std::string Describe() const override {
    std::string s = "kafka";
    for (const auto& r : ranges_) {
      // The offsets actually delivered: [first asked, one past the last read).
      s += " " + r.tp.ToString() + "[" + std::to_string(r.start) + "," +
           std::to_string(std::max(r.start, r.read_to)) + ")";
    }
    return s;
  }

 private:
  void Handle(const kafka::Message& m, ingest::Ingestor& ingestor, RangeSink& sink) {
    ++counters_.records;
    if (m.header(v1::kControlHeader).has_value() || m.value_is_null()) {
      ++counters_.skipped;
      return;
    }
    std::string_view v = m.value();
    size_t i = 0;
    while (i < v.size() && (v[i] == ' ' || v[i] == '\n' || v[i] == '\r' || v[i] == '\t')) ++i;
    if (i < v.size() && (v[i] == '{' || v[i] == '[')) {
      v1::SourcePosition base;
      base.set_source(std::string(m.topic()));
      base.set_partition(m.partition().value());
      base.set_offset(m.offset().value());
      ingestor.Ingest(v, base, sink);
      return;
    }
    if (m.header(v1::kFormatHeader) == std::optional<std::string_view>(v1::kFormatEventBatch)) {
      // Several events of one partition in one record (the runtime's keyed_batch_events > 1).
      int32_t index = 0;
      bool whole = v1::ForEachBatchedEvent(
          v, [&](std::string_view bytes) { DeliverEvent(m, bytes, index++, sink); });
      if (!whole) Undecodable(m, "malformed events.v1 record: the rest of it skipped");
      return;
    }
    DeliverEvent(m, v, 0, sink);
  }

  // One AccessEvent (protobuf bytes) of record `m`, the `index`-th of it.
  void DeliverEvent(const kafka::Message& m, std::string_view bytes, int32_t index,
                    RangeSink& sink) {
    if (!event_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        event_.time_us() == 0) {
      Undecodable(m, "undecodable record in replayed topic skipped");
      return;
    }
    if (!event_.has_source()) {
      event_.mutable_source()->set_source(std::string(m.topic()));
      event_.mutable_source()->set_partition(m.partition().value());
      event_.mutable_source()->set_offset(m.offset().value());
      event_.mutable_source()->set_index(index);
    }
    sink.Deliver(std::move(event_));
    event_.Clear();
  }

  void Undecodable(const kafka::Message& m, const char* what) {
    if (++counters_.dead_letters <= 5) {
      VW_LOG(Warn, what)
          .Field("topic", std::string(m.topic()))
          .Field("partition", static_cast<int64_t>(m.partition().value()))
          .Field("offset", m.offset().value());
    }
  }

  SourceOptions options_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::vector<PartitionRange> ranges_;
  SourceCounters counters_;
  uint64_t total_ = 0;
  v1::AccessEvent event_;
};

int64_t SaturatingMillis(EventTime t, Duration d, bool add) {
  // Open ends (Min/Max) stay open instead of overflowing.
  if (t == EventTime::Min()) return 0;
  if (t == EventTime::Max()) return std::numeric_limits<int64_t>::max();
  int64_t ms = add ? (t + d).millis() : (t - d).millis();
  return std::max<int64_t>(0, ms);
}

Result<std::unique_ptr<EventSource>> OpenKafka(const SourceOptions& options) {
  std::vector<std::string> topics = KafkaTopics(options.input);
  if (topics.empty()) return Status::InvalidArgument(options.input + ": no topic named");
  if (options.kafka.find("bootstrap.servers") == options.kafka.end()) {
    return Status::InvalidArgument("Kafka input needs bootstrap servers (--bootstrap)");
  }
  VW_ASSIGN_OR_RETURN(auto admin, kafka::Admin::Create(options.kafka));
  kafka::Config cc = options.kafka;
  // librdkafka 2.0.2 wants a group.id even for a manual assignment; nothing is ever committed.
  std::random_device rd;
  cc["group.id"] = "vaultwatch-forensics-" + std::to_string(rd());
  cc["enable.partition.eof"] = "true";
  cc.erase("transactional.id");
  VW_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Create(cc));

  const int64_t start_ms = SaturatingMillis(options.from, options.max_delay, false);
  const int64_t end_ms = SaturatingMillis(options.to, options.max_delay, true);
  kafka::OffsetMap start_q, end_q;
  std::vector<kafka::TopicPartition> tps;
  for (const std::string& topic : topics) {
    Result<int> n = admin->PartitionCount(topic, kBrokerTimeoutMs);
    if (!n.ok()) return n.status().WithContext("topic " + topic);
    for (int p = 0; p < *n; ++p) {
      kafka::TopicPartition tp{topic, PartitionId(p)};
      tps.push_back(tp);
      start_q[tp] = KafkaOffset(start_ms);
      end_q[tp] = KafkaOffset(end_ms);
    }
  }
  VW_ASSIGN_OR_RETURN(kafka::OffsetMap starts,
                      consumer->OffsetsForTimes(start_q, kBrokerTimeoutMs));
  kafka::OffsetMap ends;
  if (end_ms != std::numeric_limits<int64_t>::max()) {
    VW_ASSIGN_OR_RETURN(ends, consumer->OffsetsForTimes(end_q, kBrokerTimeoutMs));
  }
  // The start from offsets_for_times is safe: it can only be too early (a transaction marker
  // carries the broker's wall-clock time, so with historical record timestamps the marker after
  // the first batch may be returned), and events are filtered by their own time anyway. The end
  // would be too early for the same reason, so it is only an estimate for progress: reading stops
  // at the first record whose timestamp reaches end_ms, or at the partition's end.
  std::vector<PartitionRange> ranges;
  for (const kafka::TopicPartition& tp : tps) {
    VW_ASSIGN_OR_RETURN(auto marks, admin->Watermarks(tp, kBrokerTimeoutMs));
    const int64_t low = marks.first.value(), high = marks.second.value();
    PartitionRange r;
    r.tp = tp;
    // -1: no record at or after the time, i.e. the range starts (ends) after the partition's end.
    int64_t s = starts.count(tp) ? starts[tp].value() : -1;
    int64_t e = ends.count(tp) ? ends[tp].value() : -1;
    r.start = s < 0 ? high : std::max(s, low);
    r.end = high;
    r.end_ms = end_ms;
    r.estimate = std::max(r.start, e < 0 ? high : std::min(e, high));
    r.next = r.start;
    r.processed = r.start;
    ranges.push_back(std::move(r));
  }
  return std::unique_ptr<EventSource>(
      new KafkaSource(options, std::move(consumer), std::move(ranges)));
}

}  // namespace

Result<std::unique_ptr<EventSource>> OpenEventSource(const SourceOptions& options) {
  if (options.from >= options.to) {
    return Status::InvalidArgument("empty time range: --from must be before --to");
  }
  if (IsKafkaSpec(options.input)) return OpenKafka(options);
  if (options.input != "-") {
    std::FILE* f = std::fopen(options.input.c_str(), "rb");
    if (f == nullptr) return Status::IOError(options.input + ": cannot open");
    std::fclose(f);
  }
  return std::unique_ptr<EventSource>(new FileSource(options));
}

}  // namespace vw::forensics
