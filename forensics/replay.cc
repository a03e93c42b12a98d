#include "forensics/replay.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "base/logging.h"
#include "base/process_stats.h"
#include "base/time_format.h"
#include "forensics/event_source.h"
#include "forensics/progress.h"
#include "kafka/producer.h"
#include "processors/detectors/alert_formats.h"
#include "state/state_store.h"

namespace vw::forensics {
namespace {

struct Collected {
  int64_t generated_us;
  std::string type, id, json;
};

// Keeps the alerts of [from, to); counts the others.
class RangeAlerts final : public detect::AlertSink {
 public:
  RangeAlerts(EventTime from, EventTime to, detect::AlertFormat format, ReplaySummary* sum)
      : from_(from), to_(to), format_(format), sum_(sum) {}
  void OnAlert(const v1::Alert& a) override {
    if (a.generated_time_us() < from_.micros()) {
      ++sum_->alerts_in_warmup;
      return;
    }
    if (a.generated_time_us() >= to_.micros()) {
      ++sum_->alerts_after_to;
      return;
    }
    ++sum_->alerts_by_type[a.alert_type()];
    alerts.push_back({a.generated_time_us(), a.alert_type(), a.system_alert_id(),
                      detect::RenderAlert(a, format_)});
  }
  std::vector<Collected> alerts;

 private:
  EventTime from_, to_;
  detect::AlertFormat format_;
  ReplaySummary* sum_;
};

Result<std::string> MakeTempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/vaultwatch-replay-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) return Status::IOError(templ + ": cannot create state dir");
  return std::string(buf.data());
}

Status WriteAlerts(const std::vector<Collected>& alerts, const ReplayOptions& options) {
  if (IsKafkaSpec(options.output)) {
    std::vector<std::string> topics = KafkaTopics(options.output);
    if (topics.size() != 1) {
      return Status::InvalidArgument(options.output + ": name exactly one output topic");
    }
    VW_ASSIGN_OR_RETURN(auto producer, kafka::Producer::Create(options.kafka));
    for (const Collected& a : alerts) {
      VW_RETURN_IF_ERROR(producer->Produce(topics[0], std::nullopt, a.id, a.json, nullptr,
                                           std::max<int64_t>(1, a.generated_us / 1000)));
    }
    return producer->Flush(60000).WithContext("writing alerts to " + topics[0]);
  }
  FILE* out = stdout;
  if (options.output != "-") {
    out = std::fopen(options.output.c_str(), "wb");
    if (out == nullptr) return Status::IOError(options.output + ": cannot open for writing");
  }
  for (const Collected& a : alerts) {
    std::fwrite(a.json.data(), 1, a.json.size(), out);
    std::fputc('\n', out);
  }
  bool failed = std::ferror(out) != 0;
  failed |= (out == stdout ? std::fflush(out) : std::fclose(out)) != 0;
  if (failed) return Status::IOError(options.output + ": write failed");
  return Status::OK();
}

}  // namespace

Result<detect::Keying> ParseKeying(const std::string& text) {
  if (text == "both") return detect::Keying::kBoth;
  if (text == "vault") return detect::Keying::kByVault;
  if (text == "caller") return detect::Keying::kByCaller;
  return Status::InvalidArgument("--keying must be vault, caller or both, not '" + text + "'");
}

std::string ReplaySummary::ToText() const {
  std::string s;
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "replay: read %s\n"
      "replay: %llu records read (Kafka messages or file records), %llu events used (%llu of them "
      "warm-up), %llu outside the "
      "range, %llu dead letters, %llu late\n"
      "replay: %llu alerts in range (%llu generated during the warm-up and %llu after "
      "--to, not emitted)\n",
      source.c_str(), static_cast<unsigned long long>(records),
      static_cast<unsigned long long>(events), static_cast<unsigned long long>(warmup_events),
      static_cast<unsigned long long>(out_of_range), static_cast<unsigned long long>(dead_letters),
      static_cast<unsigned long long>(late), static_cast<unsigned long long>(alerts),
      static_cast<unsigned long long>(alerts_in_warmup),
      static_cast<unsigned long long>(alerts_after_to));
  s += buf;
  for (const auto& [type, n] : alerts_by_type) {
    std::snprintf(buf, sizeof buf, "  %-38s %llu\n", type.c_str(),
                  static_cast<unsigned long long>(n));
    s += buf;
  }
  std::snprintf(buf, sizeof buf,
                "replay: %.2f s wall, %.2f s CPU, %.0f events/s, %.0f events per CPU-second, peak "
                "RSS %lld MiB\n",
                seconds, cpu_seconds, EventsPerSecond(),
                cpu_seconds > 0 ? static_cast<double>(events) / cpu_seconds : 0.0,
                static_cast<long long>(peak_rss_kb / 1024));
  s += buf;
  return s;
}

std::string ReplaySummary::ToJson() const {
  std::string s = "{";
  auto num = [&](const char* k, double v) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "\"%s\":%.10g,", k, v);
    s += buf;
  };
  num("records", static_cast<double>(records));
  num("events", static_cast<double>(events));
  num("warmup_events", static_cast<double>(warmup_events));
  num("out_of_range", static_cast<double>(out_of_range));
  num("dead_letters", static_cast<double>(dead_letters));
  num("late", static_cast<double>(late));
  num("alerts", static_cast<double>(alerts));
  num("alerts_in_warmup", static_cast<double>(alerts_in_warmup));
  num("alerts_after_to", static_cast<double>(alerts_after_to));
  num("seconds", seconds);
  num("cpu_seconds", cpu_seconds);
  num("events_per_second", EventsPerSecond());
  num("peak_rss_kb", static_cast<double>(peak_rss_kb));
  s += "\"alerts_by_type\":{";
  bool first = true;
  for (const auto& [type, n] : alerts_by_type) {
    if (!first) s += ",";
    first = false;
    s += "\"" + type + "\":" + std::to_string(n);
  }
  s += "}}";
  return s;
}

Result<ReplaySummary> RunReplay(const detect::DetectConfig& config, const ReplayOptions& options) {
  if (options.from >= options.to) {
    return Status::InvalidArgument("--from " + FormatRfc3339(options.from) +
                                   " must be before --to " + FormatRfc3339(options.to));
  }
  if (options.warmup < Duration()) return Status::InvalidArgument("--warmup must be >= 0");
  const Clock* clock = options.clock != nullptr ? options.clock : SystemClock::Default();
  const Duration lateness = config.allowed_lateness;
  const Duration tail = options.tail < Duration() ? lateness * 2 : options.tail;

  SourceOptions so;
  so.input = options.input;
  so.from = options.from - options.warmup;
  so.to = options.to + tail;
  so.max_delay = options.max_delay < Duration() ? lateness : options.max_delay;
  so.kafka = options.kafka;
  VW_ASSIGN_OR_RETURN(std::unique_ptr<EventSource> source, OpenEventSource(so));

  // Fail on a bad output before the work (a file that cannot be created).
  if (!IsKafkaSpec(options.output) && options.output != "-") {
    FILE* f = std::fopen(options.output.c_str(), "ab");
    if (f == nullptr) return Status::IOError(options.output + ": cannot open for writing");
    std::fclose(f);
  }

  std::string dir = options.state_dir;
  const bool temporary = dir.empty();
  if (temporary) {
    VW_ASSIGN_OR_RETURN(dir, MakeTempDir());
  }
  struct Cleanup {
    std::string dir;
    bool on;
    ~Cleanup() {
      if (!on) return;
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir, temporary};

  state::StoreOptions sto;
  sto.path = dir;
  VW_ASSIGN_OR_RETURN(std::unique_ptr<state::StateStore> store, state::StateStore::Open(sto));
  VW_ASSIGN_OR_RETURN(state::CommitPoint existing, store->LastCommit());
  if (!existing.next_offsets.empty() || existing.watermark_us != 0) {
    return Status::FailedPrecondition(dir +
                                      ": holds state already; replay needs an empty directory "
                                      "(an isolated state), never the live one");
  }
  VW_ASSIGN_OR_RETURN(std::unique_ptr<detect::Engine> engine,
                      detect::Engine::Create(config, options.keying, store.get()));
  // A replay reconstructs: every detector in canonical event order, as `detect` does.
  engine->SetEarlyAlerts(false);

  ReplaySummary sum;
  RangeAlerts alerts(options.from, options.to, options.alert_format, &sum);
  ProgressLine progress("replay", options.progress, clock);
  const double cpu0 = CpuSeconds();
  const int64_t t0 = clock->MonotonicMicros();
  uint64_t events = 0;
  const int64_t from_us = options.from.micros();

  auto commit = [&]() -> Status {
    state::CommitPoint point;
    VW_ASSIGN_OR_RETURN(point, store->LastCommit());
    engine->PrepareCommit(&point);
    return store->Commit(point);
  };

  Status st = source->Run([&](v1::AccessEvent&& e) -> Status {
    if (e.time_us() < from_us) ++sum.warmup_events;
    engine->Process(std::move(e), alerts);
    ++events;
    if (options.commit_every > 0 && events % static_cast<uint64_t>(options.commit_every) == 0) {
      VW_RETURN_IF_ERROR(commit());
    }
    if (options.progress) {
      SourceProgress p = source->progress();
      progress.Update(events, p.done, p.total);
    }
    return Status::OK();
  });
  if (st.ok() && options.flush_at_end) engine->Flush(alerts);
  if (st.ok()) st = commit();
  {
    SourceProgress p = source->progress();
    progress.Finish(events, p.done, p.total);
  }
  VW_RETURN_IF_ERROR(st);

  std::sort(alerts.alerts.begin(), alerts.alerts.end(), [](const Collected& a, const Collected& b) {
    if (a.generated_us != b.generated_us) return a.generated_us < b.generated_us;
    if (a.type != b.type) return a.type < b.type;
    return a.id < b.id;
  });
  sum.seconds = static_cast<double>(clock->MonotonicMicros() - t0) / 1e6;
  sum.cpu_seconds = CpuSeconds() - cpu0;
  VW_RETURN_IF_ERROR(WriteAlerts(alerts.alerts, options));

  const SourceCounters& sc = source->counters();
  sum.source = source->Describe();
  sum.records = sc.records;
  sum.events = sc.events;
  sum.out_of_range = sc.out_of_range;
  sum.dead_letters = sc.dead_letters;
  sum.merge_forced = sc.merge_forced;
  sum.late = engine->stats().late_dropped;
  sum.alerts = alerts.alerts.size();
  sum.peak_rss_kb = PeakRssKb();
  VW_LOG(Info, "replay done")
      .Field("events", sum.events)
      .Field("alerts", sum.alerts)
      .Field("seconds", sum.seconds);
  engine.reset();
  store.reset();
  return sum;
}

}  // namespace vw::forensics
