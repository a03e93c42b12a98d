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

}  // namespace vw
