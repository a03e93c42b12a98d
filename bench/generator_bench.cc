// Generator throughput benchmark: see bench/generator.cmake for usage.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "base/clock.h"
#include "generator/generator.h"
#include "generator/sinks.h"

namespace {

struct Figures {
  double wall_s = 0, cpu_s = 0;
  uint64_t records = 0, bytes = 0;
};

vw::Result<Figures> RunOnce(const vw::gen::GeneratorOptions& o, vw::gen::OutputSink& sink) {
  const vw::Clock* clock = vw::SystemClock::Default();
  int64_t w0 = clock->MonotonicMicros();
  std::clock_t c0 = std::clock();
  VW_ASSIGN_OR_RETURN(auto g, vw::gen::Generator::Create(o));
  VW_RETURN_IF_ERROR(g->Run(sink));
  Figures f;
  f.wall_s = static_cast<double>(clock->MonotonicMicros() - w0) / 1e6;
  f.cpu_s = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  f.records = g->stats().records;
  f.bytes = g->stats().bytes;
  return f;
}

void Print(const char* what, const Figures& f) {
  std::printf(
      "%-6s %10llu records %8.1f MB  wall %6.3f s  %10.0f records/s  %7.0f MB/s  (%10.0f "
      "records/CPU-s)\n",
      what, static_cast<unsigned long long>(f.records), static_cast<double>(f.bytes) / 1e6,
      f.wall_s, static_cast<double>(f.records) / f.wall_s,
      static_cast<double>(f.bytes) / 1e6 / f.wall_s, static_cast<double>(f.records) / f.cpu_s);
}

}  // namespace

int main(int argc, char** argv) {
  vw::gen::GeneratorOptions o;
  o.seed = 7;
  o.days = 16;
  o.events_per_day = 250000;
  o.tenant = "medium";
  int runs = 3;
  std::string file = "/tmp/vw_generator_bench.ndjson";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--tenant") {
      o.tenant = next();
    } else if (a == "--days") {
      o.days = std::atoi(next().c_str());
    } else if (a == "--events-per-day") {
      o.events_per_day = std::atoll(next().c_str());
    } else if (a == "--runs") {
      runs = std::atoi(next().c_str());
    } else if (a == "--file") {
      file = next();
    } else if (a == "--envelope") {
      o.envelope = true;
    } else {
      std::fprintf(stderr, "unknown flag %s (see bench/generator.cmake)\n", a.c_str());
      return 2;
    }
  }
  o.history_days = std::min(o.history_days, o.days - 1);  // attacks need at least one day
  if (const char* src = std::getenv("VW_SOURCE_DIR"))
    o.intel_dir = std::string(src) + "/configs/threat-intel";
  std::printf("generator_bench: tenant %s, %d days, %lld events/day, %s, best of %d\n",
              o.tenant.c_str(), o.days, static_cast<long long>(o.events_per_day),
              o.envelope ? "envelopes" : "ndjson", runs);
  Figures best_null, best_file;
  for (int r = 0; r < runs; ++r) {
    vw::gen::NullSink null_sink;
    auto n = RunOnce(o, null_sink);
    if (!n.ok()) {
      std::fprintf(stderr, "generator_bench: %s\n", n.status().ToString().c_str());
      return 1;
    }
    if (r == 0 || n->wall_s < best_null.wall_s) best_null = *n;
    auto sink = vw::gen::FileSink::Open(file);
    if (!sink.ok()) {
      std::fprintf(stderr, "generator_bench: %s\n", sink.status().ToString().c_str());
      return 1;
    }
    vw::gen::AsyncSink async(sink->get());
    auto f = RunOnce(o, async);
    if (!f.ok()) {
      std::fprintf(stderr, "generator_bench: %s\n", f.status().ToString().c_str());
      return 1;
    }
    if (r == 0 || f->wall_s < best_file.wall_s) best_file = *f;
  }
  Print("null", best_null);
  Print("file", best_file);
  std::remove(file.c_str());
  return 0;
}
