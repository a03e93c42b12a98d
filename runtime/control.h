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
//
// Watermarks (live input, no marker needed): at every commit the ingest stage forwards, for each
// raw partition it read in that transaction, the newest event time it has seen there (header
// vw.control=watermark, value: microseconds, decimal; vw.origin, vw.origins as above) to every
// partition of both keyed topics, after the events it covers. A detector partition's stream
// watermark is the minimum over all raw partitions of what they forwarded, minus the allowed
// lateness: one raw partition's burst cannot make another's events late, and a key that goes
// quiet is still evaluated. Raw partitions silent for `watermark_idle_timeout_ms` (wall clock;
// 0 = never, for deterministic replays) are left out of the minimum until they speak again.
#pragma once

#include "vw/v1/records.h"

namespace vw::runtime {

// The header names and record formats live in proto/vw/v1/records.h, shared with forensics.
using v1::ForEachBatchedEvent;
using v1::kControlFlush;
using v1::kControlHeader;
using v1::kControlWatermark;
using v1::kFormatEventBatch;
using v1::kFormatHeader;
using v1::kOriginHeader;
using v1::kOriginsHeader;

}  // namespace vw::runtime
