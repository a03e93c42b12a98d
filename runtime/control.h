// End-of-input markers ("flush"): how a bounded input (a replay, a test, a batch backfill) gets
// the same alerts from the pipeline as from `vaultwatch detect`, which closes every open window
// at end of file.
//
// A producer appends a record with header vw.control=flush to EVERY partition of kv.audit.raw
// after its data. The ingest stage forwards it to every partition of kv.events.by-vault and
// kv.events.by-caller, naming the raw partition it came from (vw.origin) and how many raw
// partitions there are (vw.origins). A detector partition flushes its engine once it has seen the
// marker of every raw partition: by then every event of the bounded input has reached it, since
// each raw partition's events precede its marker. Markers are ordinary records inside the
// transactions, so the flush happens exactly once, at the same input position, across crashes.
#pragma once

#include <string_view>

namespace vw::runtime {

inline constexpr std::string_view kControlHeader = "vw.control";
inline constexpr std::string_view kControlFlush = "flush";
inline constexpr std::string_view kOriginHeader = "vw.origin";
inline constexpr std::string_view kOriginsHeader = "vw.origins";

}  // namespace vw::runtime

namespace vw::runtime {

// Keyed-topic record formats. Without this header a kv.events.by-* record is ONE AccessEvent
// (protobuf), keyed by its routing key: the format every reader understands (forensics replay,
// report). With `keyed_batch_events` > 1 the ingest stage may instead write several events of one
// destination partition in one record: header vw.format=events.v1, no key, value = a sequence of
// (varint32 length, AccessEvent bytes). The partition is the one the key would have chosen
// (Kafka's murmur2 partitioner), so per-key order and placement are unchanged.
inline constexpr std::string_view kFormatHeader = "vw.format";
inline constexpr std::string_view kFormatEventBatch = "events.v1";

}  // namespace vw::runtime
