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

#include <cstddef>
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

// Calls `fn(bytes)` with each AccessEvent's serialised bytes of an events.v1 record value, in
// order. Returns false if the value is malformed (the events before the fault were delivered).
// Header-only and dependency-free so that any reader of the keyed topics can use it.
template <typename Fn>
bool ForEachBatchedEvent(std::string_view value, Fn&& fn) {
  while (!value.empty()) {
    unsigned long long size = 0;
    size_t i = 0;
    for (int shift = 0;; ++i, shift += 7) {
      if (i >= value.size() || shift > 28) return false;
      const auto byte = static_cast<unsigned char>(value[i]);
      size |= static_cast<unsigned long long>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    ++i;
    if (size > value.size() - i) return false;
    fn(value.substr(i, static_cast<size_t>(size)));
    value.remove_prefix(i + static_cast<size_t>(size));
  }
  return true;
}

}  // namespace vw::runtime
