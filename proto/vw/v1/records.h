// How vaultwatch's records sit in Kafka: the header names and the keyed-topic record formats
// shared by every writer and reader of the topics (the runtime's stages, forensics replay and
// timeline). The message schemas themselves are the .proto files beside this header.
//
// Control records (runtime/control.h explains their protocol): header vw.control=flush marks the
// end of a bounded input, vw.control=watermark carries a raw partition's event-time progress;
// vw.origin / vw.origins name the raw partition a forwarded record came from and how many there
// are.
//
// Keyed topics (kv.events.by-vault, kv.events.by-caller): without a vw.format header a record is
// ONE AccessEvent (protobuf), keyed by its routing key. With header vw.format=events.v1 (the
// runtime's `keyed_batch_events` > 1) a record holds several events of one destination partition:
// no key, value = a sequence of (varint32 length, AccessEvent bytes). The partition is the one each
// event's key would have chosen (Kafka's murmur2 partitioner), so per-key order and placement are
// the same in both formats.
//
// Header-only (the varint is base/varint.h's); thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/varint.h"

namespace vw::v1 {

inline constexpr std::string_view kControlHeader = "vw.control";
inline constexpr std::string_view kControlFlush = "flush";
// Header vw.control=watermark: the value is the newest event time (microseconds since the epoch,
// decimal) of the events read so far from raw partition vw.origin (of vw.origins).
inline constexpr std::string_view kControlWatermark = "watermark";
inline constexpr std::string_view kOriginHeader = "vw.origin";
inline constexpr std::string_view kOriginsHeader = "vw.origins";

inline constexpr std::string_view kFormatHeader = "vw.format";
inline constexpr std::string_view kFormatEventBatch = "events.v1";

// Calls `fn(bytes)` with each AccessEvent's serialised bytes of an events.v1 record value, in
// order. Returns false if the value is malformed (the events before the fault were delivered).
template <typename Fn>
bool ForEachBatchedEvent(std::string_view value, Fn&& fn) {
  while (!value.empty()) {
    uint64_t size = 0;
    if (!GetVarint64(&value, &size, kMaxVarint32Bytes) || size > value.size()) return false;
    fn(value.substr(0, static_cast<size_t>(size)));
    value.remove_prefix(static_cast<size_t>(size));
  }
  return true;
}

}  // namespace vw::v1
