// Runs the parse-only ceiling, ../shared/tools/parse_limit.cc, that every throughput figure is a
// ratio to (DESIGN.md section 8). bench/ingest.cmake builds it into the directory of the bench
// binaries, with plain flags, as the yardstick's README says.
#ifndef VW_BENCH_PARSE_LIMIT_RUN_H_
#define VW_BENCH_PARSE_LIMIT_RUN_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace vw::bench {

// The parse_limit binary beside `argv0` (a bench binary's own path).
inline std::string ParseLimitBeside(const std::string& argv0) {
  return argv0.substr(0, argv0.find_last_of('/') + 1) + "parse_limit";
}

// parse_limit's records per CPU-second on `input`; 0 if it is not built or printed no figure.
inline double RunParseLimit(const std::string& tool, const std::string& input) {
  if (access(tool.c_str(), X_OK) != 0) return 0;
  const std::string cmd = "'" + tool + "' '" + input + "' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return 0;
  constexpr char kKey[] = "records_per_cpu_s=";
  char line[512];
  double rate = 0;
  while (std::fgets(line, sizeof line, p) != nullptr) {
    if (const char* k = std::strstr(line, kKey)) rate = std::atof(k + std::strlen(kKey));
  }
  pclose(p);
  return rate;
}

}  // namespace vw::bench

#endif  // VW_BENCH_PARSE_LIMIT_RUN_H_
