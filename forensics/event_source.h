// EventSource: the AccessEvents of a past time range, read from a file or from Kafka topics, for
// replay and timeline.
//
// Inputs:
//  - a file (or "-" for stdin) in any shape ingest accepts; every record is read and filtered by
//    event time;
//  - "kafka:TOPIC[,TOPIC...]": each partition is sought by record timestamp with
//    Consumer::OffsetsForTimes (which retries the stale-leader error librdkafka 2.0.2 does not
//    recover from) and read from that offset up to the offset of the range's end (or the end of the
//    partition, read_committed), exactly once per record. Values may be raw Azure JSON
//    (kv.audit.raw: parsed by ingest) or AccessEvent protobufs (kv.events.by-vault / by-caller);
//    the two are told apart per record (a protobuf AccessEvent never starts with '{' or '[').
//    Records with the pipeline's control header (end-of-input markers) are skipped.
//
// Time: the range is in EVENT time [from, to). Kafka record timestamps are the arrival time
// (Azure delivers late), so partitions are read from timestamp `from - max_delay` to `to +
// max_delay` and every event is then filtered by its own time: the records read are those that can
// hold an event of the range, the events delivered are exactly those of the range.
//
// Order: partitions are merged by record timestamp (stable within a partition), so that one key's
// events from several partitions reach the consumer in roughly the order they were written, as
// in the live pipeline, rather than one partition after another (which would make events of the
// same key arrive hours of event time apart and be dropped as late). The merge buffers at most
// `merge_buffer` records; beyond that it releases the oldest head anyway (counted).
//
// Ownership: owns its consumer and ingestor. Not thread-safe: one thread calls Run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "kafka/types.h"
#include "vw/v1/access_event.pb.h"

namespace vw::forensics {

// "kafka:a,b" -> {"a","b"}; anything else is a file path (or "-").
bool IsKafkaSpec(const std::string& spec);
std::vector<std::string> KafkaTopics(const std::string& spec);

struct SourceOptions {
  std::string input;                  // FILE, "-", or "kafka:TOPIC[,TOPIC]"
  EventTime from = EventTime::Min();  // event-time range [from, to)
  EventTime to = EventTime::Max();
  // How much later than its event time a record may have been written to Kafka (Azure delivers
  // up to ~10 minutes late). Widens the offsets read, not the events delivered. Default 10 min.
  Duration max_delay = Duration::Minutes(10);
  kafka::Config kafka;           // consumer properties (bootstrap.servers at least) for Kafka input
  size_t merge_buffer = 200000;  // records held for the cross-partition merge
};

struct SourceCounters {
  uint64_t records = 0;       // Kafka records (or file records) read
  uint64_t events = 0;        // events delivered (inside the range)
  uint64_t out_of_range = 0;  // events read but outside [from, to)
  uint64_t dead_letters = 0;  // records ingest could not turn into an event (or undecodable)
  uint64_t skipped = 0;       // other categories, control records
  uint64_t merge_forced = 0;  // merge releases forced by the buffer bound
};

// What a progress display needs: work done out of a total, in the source's own units (Kafka
// offsets or file bytes); total 0 when unknown (stdin).
struct SourceProgress {
  uint64_t done = 0, total = 0;
};

class EventSource {
 public:
  // Receives events in range; a non-OK status stops the run and is returned by Run.
  using EventFn = std::function<Status(v1::AccessEvent&& event)>;
  virtual ~EventSource() = default;
  virtual Status Run(const EventFn& fn) = 0;
  virtual SourceProgress progress() const = 0;
  virtual const SourceCounters& counters() const = 0;
  // One line for logs and summaries: what is read ("file x", "kafka t/0 [12, 9000) ...").
  virtual std::string Describe() const = 0;
};

// Opens the input: for Kafka this resolves the partitions and their offset range (broker calls);
// for a file it checks that it can be opened.
Result<std::unique_ptr<EventSource>> OpenEventSource(const SourceOptions& options);

}  // namespace vw::forensics
