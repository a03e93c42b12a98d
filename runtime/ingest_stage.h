// The ingest stage: kv.audit.raw -> kv.events.by-vault + kv.events.by-caller (AccessEvent
// protobuf, keyed by ingest::VaultKey / CallerKey) + kv.deadletter (raw bytes; the reason and the
// source topic/partition/offset/index in headers). Stateless: its tasks keep nothing between
// records, so recovery is only rewinding the input.
//
// One IngestTaskFactory per worker thread (it owns that thread's Ingestor, which is not
// thread-safe). Output records carry their input record's timestamp.
#pragma once

#include <cstdint>
#include <memory>

#include "kafka/message.h"
#include "runtime/config.h"
#include "runtime/task.h"

namespace vw::runtime {

// The event-time key the ingest worker aligns its raw partitions by (align_raw_partitions): the
// newest `time` among the message's audit records (found without parsing the JSON);
// end-of-input markers sort last, messages without a readable time first.
int64_t RawRecordTimeKey(const kafka::Message& message);

// `raw_partitions`: the partition count of the raw topic (for end-of-input markers).
std::unique_ptr<TaskFactory> MakeIngestTaskFactory(const PipelineConfig& config,
                                                   int raw_partitions);

}  // namespace vw::runtime
