#include "base/process_stats.h"

#include <sys/resource.h>
#if defined(VW_HAVE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif defined(__GLIBC__)
#include <malloc.h>
#endif
#include <unistd.h>

#include <cstdio>

#define VW_STRINGIFY_(x) #x
#define VW_STRINGIFY(x) VW_STRINGIFY_(x)

namespace vw {

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int64_t PeakRssKb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

int64_t CurrentRssKb() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long long pages_total = 0, pages_resident = 0;
  const int n = std::fscanf(f, "%lld %lld", &pages_total, &pages_resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<int64_t>(pages_resident) * (sysconf(_SC_PAGESIZE) / 1024);
}

void ReleaseFreeHeapMemory() {
#if defined(VW_HAVE_JEMALLOC)
  // Every arena's unused dirty pages, now rather than after jemalloc's decay time (10 s).
  (void)mallctl("arena." VW_STRINGIFY(MALLCTL_ARENAS_ALL) ".purge", nullptr, nullptr, nullptr, 0);
#elif defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace vw
