// Resource use of the calling process, for the figures runs and benchmarks report.
#pragma once

#include <cstdint>

namespace vw {

// User + system CPU seconds consumed so far by the whole process (all threads, background ones
// included), from getrusage(RUSAGE_SELF). Thread-safe; never fails (0 if getrusage did).
double CpuSeconds();

// Peak resident set size of the process so far, in KiB (ru_maxrss on Linux). Thread-safe; never
// fails (0 if getrusage did).
int64_t PeakRssKb();

// Resident set size of the process now, in KiB (/proc/self/statm). For figures over one phase of
// a process, where the peak of an earlier phase (reading a benchmark's input) would mask it.
// Thread-safe; 0 if /proc cannot be read.
int64_t CurrentRssKb();

// Hands the heap's free pages back to the OS (jemalloc, the binaries' allocator: purges every
// arena; glibc's malloc: malloc_trim). Both keep memory freed by one thread in that thread's
// arena; a process whose threads free state caches, fetched records and changelog buffers all
// the time otherwise holds hundreds of MiB it does not use (bench/README.md, pipeline_bench's
// RSS at 1M keys). Walks every arena under its lock: call it about once a second, not per event.
// A no-op with other allocators.
void ReleaseFreeHeapMemory();

}  // namespace vw
