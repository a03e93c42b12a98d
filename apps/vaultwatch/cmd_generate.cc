// `vaultwatch generate`: synthetic Key Vault audit traffic with labelled attacks (generator/).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "apps/vaultwatch/command.h"
#include "apps/vaultwatch/flags.h"
#include "base/clock.h"
#include "base/time_format.h"
#include "generator/generator.h"
#ifdef VW_GENERATOR_HAS_KAFKA
#include "generator/kafka_sink.h"
#endif
#include "generator/sinks.h"

namespace vw::app {
namespace {

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError("cannot open " + path + " for writing");
  out << text;
  out.close();
  if (!out) return Status::IOError("writing " + path);
  return Status::OK();
}

int RunGenerate(int argc, char** argv) {
  gen::GeneratorOptions o;
  int64_t seed = 1, days = o.days, history = o.history_days, epd = o.events_per_day, vaults = 0,
          identities = 0, repeat = 1, envelope_size = o.envelope_size;
  std::string output = "-", labels, summary, format = "ndjson", start = "2026-01-05T00:00:00Z";
  double rate = 0, late = o.late_fraction;
  bool quiet = false, progress_flag = false, no_routines = false;
  FlagParser flags(
      "generate",
      "Write synthetic Azure Key Vault AuditEvent records (benign tenant + labelled attacks); "
      "see docs/generator.md and docs/scenarios.md");
  flags.Int("seed", &seed,
            "PRNG seed: the same seed and options give byte-identical output (default 1)");
  flags.Int("days", &days, "days of traffic (default 16)");
  flags.Int("history-days", &history, "benign-only history before the attacks (default 14)");
  flags.Int("events-per-day", &epd, "mean weekday benign records per day (default 100000)");
  flags.String("tenant", &o.tenant, "tenant size preset: small | medium | large (default small)");
  flags.Int("vaults", &vaults, "override the preset's number of vaults");
  flags.Int("identities", &identities, "override the preset's number of identities");
  flags.String("scenarios", &o.scenarios,
               "all | none | comma-separated scenario ids or AlertTypes (default all)");
  flags.Int("repeat", &repeat, "instances of each selected scenario (default 1)");
  flags.String("output", &output,
               "output FILE, - for stdout, or kafka://BOOTSTRAP/TOPIC (default -)");
  flags.String("labels", &labels, "write the attack labels (JSON lines) to FILE");
  flags.String("summary", &summary,
               "write the event-count summary JSON to FILE (default: <labels>.summary.json)");
  flags.String("format", &format,
               "ndjson (one bare record per line) | envelope ({\"records\":[...]} lines)");
  flags.Int("envelope-size", &envelope_size,
            "records per envelope with --format envelope (default 50)");
  flags.Double("rate", &rate, "target records per second (0 = as fast as possible)");
  flags.String("start", &start, "first day, midnight UTC (default 2026-01-05T00:00:00Z, a Monday)");
  flags.Double("late-fraction", &late,
               "fraction of records delivered 5 s - 10 min late (default 0.03)");
  flags.String("intel-dir", &o.intel_dir,
               "threat-intel lists directory (default configs/threat-intel)");
  flags.Bool("progress", &progress_flag, "show progress even when stderr is not a terminal");
  flags.Bool("quiet", &quiet, "no progress and no final figures");
  flags.Bool("no-routines", &no_routines,
             "leave out the benign enterprise routines (nightly backups and CI clean-up, JIT "
             "access, break-glass, ephemeral vaults, Friday batches, throttling, address changes)");
  if (int rc = flags.Parse(argc, argv); rc >= 0) return rc;

  if (seed < 0) {
    std::fprintf(stderr, "generate: --seed must be >= 0\n");
    return 2;
  }
  o.seed = static_cast<uint64_t>(seed);
  o.routines = !no_routines;
  o.days = static_cast<int>(days);
  o.history_days = static_cast<int>(history);
  o.events_per_day = epd;
  o.vaults = static_cast<int>(vaults);
  o.identities = static_cast<int>(identities);
  o.repeat = static_cast<int>(repeat);
  o.envelope_size = static_cast<int>(envelope_size);
  o.late_fraction = late;
  if (format != "ndjson" && format != "envelope") {
    std::fprintf(stderr, "generate: --format must be ndjson or envelope\n");
    return 2;
  }
  o.envelope = format == "envelope";
  auto start_time = ParseRfc3339(start);
  if (!start_time.ok()) {
    std::fprintf(stderr, "generate: --start: %s\n", start_time.status().ToString().c_str());
    return 2;
  }
  o.start_us = start_time->micros();
  auto created = gen::Generator::Create(o);
  if (!created.ok()) {
    std::fprintf(stderr, "generate: %s\n", created.status().ToString().c_str());
    return 2;
  }
  std::unique_ptr<gen::Generator> g = std::move(created).value();
  std::unique_ptr<gen::OutputSink> sink;
  if (output.rfind("kafka://", 0) == 0) {
#ifdef VW_GENERATOR_HAS_KAFKA
    auto target = gen::ParseKafkaUrl(output);
    if (!target.ok()) {
      std::fprintf(stderr, "generate: %s\n", target.status().ToString().c_str());
      return 2;
    }
    auto kafka = gen::KafkaSink::Open(*target);
    if (!kafka.ok()) {
      std::fprintf(stderr, "generate: %s\n", kafka.status().ToString().c_str());
      return 1;
    }
    sink = std::move(kafka).value();
#else
    std::fprintf(stderr,
                 "generate: this build has no Kafka support; pipe --output - into kcat -P\n");
    return 2;
#endif
  } else {
    auto file = gen::FileSink::Open(output);
    if (!file.ok()) {
      std::fprintf(stderr, "generate: %s\n", file.status().ToString().c_str());
      return 1;
    }
    sink = std::move(file).value();
  }
  // Writing happens on a background thread, overlapping the formatting of the next batch.
  gen::AsyncSink async(sink.get());
  gen::RateLimitedSink limited(&async, rate, SystemClock::Default());
  gen::OutputSink* out = rate > 0 ? static_cast<gen::OutputSink*>(&limited) : &async;

  const Clock* clock = SystemClock::Default();
  const int64_t t0 = clock->MonotonicMicros();
  const bool show = !quiet && (progress_flag || isatty(2));
  int64_t last_print = t0;
  auto progress = [&](const gen::GeneratorStats& s, double fraction) {
    if (!show) return true;
    int64_t now = clock->MonotonicMicros();
    if (now - last_print < 250000 && fraction < 1.0) return true;
    last_print = now;
    double secs = static_cast<double>(now - t0) / 1e6;
    std::fprintf(stderr, "\rgenerate: %5.1f%%  %12llu records  %10.0f records/s", fraction * 100,
                 static_cast<unsigned long long>(s.records),
                 secs > 0 ? static_cast<double>(s.records) / secs : 0.0);
    std::fflush(stderr);
    return true;
  };
  Status st = g->Run(*out, progress);
  if (show) std::fprintf(stderr, "\n");
  if (!st.ok()) {
    std::fprintf(stderr, "generate: %s\n", st.ToString().c_str());
    return 1;
  }
  const double secs = static_cast<double>(clock->MonotonicMicros() - t0) / 1e6;
  const gen::GeneratorStats& s = g->stats();

  if (!labels.empty()) {
    std::string text;
    for (const gen::Label& l : g->labels()) text += gen::LabelJson(l) + "\n";
    if (Status ls = WriteText(labels, text); !ls.ok()) {
      std::fprintf(stderr, "generate: %s\n", ls.ToString().c_str());
      return 1;
    }
    if (summary.empty()) summary = labels + ".summary.json";
  }
  if (!summary.empty()) {
    if (Status ss = WriteText(summary, gen::SummaryJson(o, s, g->labels().size()) + "\n");
        !ss.ok()) {
      std::fprintf(stderr, "generate: %s\n", ss.ToString().c_str());
      return 1;
    }
  }
  if (!quiet) {
    std::fprintf(
        stderr,
        "generate: %llu records (%llu benign, %llu attack; %llu 401 challenges, %llu late) in %llu "
        "messages, %.1f MB, %zu labels, %.2f s: %.0f records/s, %.0f MB/s\n",
        static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.benign),
        static_cast<unsigned long long>(s.attack),
        static_cast<unsigned long long>(s.auth_challenges), static_cast<unsigned long long>(s.late),
        static_cast<unsigned long long>(s.messages), static_cast<double>(s.bytes) / 1e6,
        g->labels().size(), secs, secs > 0 ? static_cast<double>(s.records) / secs : 0.0,
        secs > 0 ? static_cast<double>(s.bytes) / 1e6 / secs : 0.0);
  }
  return 0;
}

}  // namespace

VW_REGISTER_COMMAND(generate, "Generate synthetic Key Vault audit traffic with labelled attacks",
                    RunGenerate);

}  // namespace vw::app
