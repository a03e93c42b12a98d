// pipeline_bench: end-to-end figures of the exactly-once Kafka pipeline (see pipeline.cmake).
//
// Phase 1, throughput: the raw topic is preloaded with --records records from --input
// (50-record {"records":[...]} envelopes, as Event Hubs delivers them); then a Pipeline starts in
// this process with every stage and the clock runs until the committed counters show every
// record ingested and every event through both detector stages (and, with --end-of-input true,
// every detector partition flushed at the end-of-input markers that follow the records, so that
// the alerts are those `vaultwatch detect` raises on the file). events/s = records / that time.
// Latency from a record's arrival to its committed alert is measured on a live feed by
// live_latency_bench, not here.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "base/logging.h"
#include "base/process_stats.h"
#include "bench/parse_limit_run.h"
#include "bench/pipeline_run.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "runtime/config.h"
#include "runtime/control.h"
#include "runtime/pipeline.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string bootstrap = "127.0.0.1:19092", input, stages = "ingest,vault,caller";
  size_t records = 1000000;
  int partitions = 2;
  int commit_interval_ms = 0;  // 0 = the runtime's default
  int threads = 1;             // threads_per_stage
  int batch = 0;               // keyed_batch_events; 0 = the runtime's default
  int reread = -1;             // reorder_buffer_reread_records; -1 = the runtime's default
  std::vector<std::pair<std::string, std::string>> producer, consumer;  // --producer k=v
  int broker_pid = 0;  // to report the co-located broker's CPU time too
  int raw_partitions = 1;
  bool align = false;         // align_raw_partitions
  int early_skew_ms = -1;     // early_alert_max_origin_skew_ms; -1 = the runtime's default
  bool keep = false;          // keep the run's topics and state directory (for inspection)
  bool end_of_input = false;  // end-of-input markers after the records (runtime/control.h)
  std::string changelog_of;   // only measure the changelogs of an earlier run's application id
};

// What a detector changelog key holds, by its family (processors/detectors/README.md): the
// engine's reorder-buffer segments, its per-key state and markers, the commit record, or
// detector state. Never the identity that follows the family.
std::string KeyFamily(std::string_view key) {
  if (key.starts_with("e/s/")) return "reorder-buffer segments (e/s)";
  if (key.starts_with("e/")) return "engine key state and markers (e/k, e/b)";
  if (key.empty() || key.front() == '\0') return "commit records";
  return "detector state";
}

// Records and bytes (keys + values) of a topic, read_committed from the beginning to its end:
// what the run wrote there (transaction markers are not records).
// `families` (optional) gets the same per KeyFamily.
std::pair<uint64_t, uint64_t> TopicVolume(
    const std::string& bootstrap, const std::string& topic, int partitions,
    std::map<std::string, std::pair<uint64_t, uint64_t>>* families = nullptr) {
  uint64_t records = 0, bytes = 0;
  auto consumer = vw::kafka::Consumer::Create({{"bootstrap.servers", bootstrap},
                                               {"group.id", topic + ".bench-volume"},
                                               {"enable.partition.eof", "true"}});
  if (!consumer.ok()) return {0, 0};
  vw::kafka::OffsetMap start;
  for (int p = 0; p < partitions; ++p) start[{topic, vw::PartitionId(p)}] = vw::KafkaOffset(-2);
  if (!(*consumer)->Assign(start).ok()) return {0, 0};
  std::set<vw::kafka::TopicPartition> done;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (done.size() < static_cast<size_t>(partitions) && Clock::now() < deadline) {
    std::vector<vw::kafka::Message> batch;
    std::vector<vw::kafka::TopicPartition> eof;
    (*consumer)->Poll(200, 10000, &batch, &eof).IgnoreError();
    for (const auto& m : batch) {
      ++records;
      bytes += m.key().size() + m.value().size();
      if (families != nullptr) {
        auto& f = (*families)[KeyFamily(m.key())];
        ++f.first;
        f.second += m.key().size() + m.value().size();
      }
    }
    done.insert(eof.begin(), eof.end());
  }
  return {records, bytes};
}

// What the detector stages' state costs the broker: their changelogs' records and bytes, in all
// and per accepted event (when `events` > 0), by key family.
void PrintChangelogVolume(const std::string& bootstrap, const vw::runtime::PipelineConfig& c,
                          int partitions, double events) {
  uint64_t records = 0, bytes = 0;
  std::map<std::string, std::pair<uint64_t, uint64_t>> families;
  for (const char* stage : {"vault", "caller"}) {
    auto [r, b] = TopicVolume(bootstrap, c.ChangelogTopic(stage), partitions, &families);
    records += r;
    bytes += b;
  }
  std::printf("changelog (both detector stages): %llu records, %.1f MB",
              static_cast<unsigned long long>(records), bytes / 1e6);
  if (events > 0) {
    std::printf("; per accepted event: %.3f records, %.1f bytes", records / events, bytes / events);
  }
  std::printf("; by key family (records, bytes):");
  for (const auto& [family, rb] : families) {
    std::printf(" %s %llu, %llu;", family.c_str(), static_cast<unsigned long long>(rb.first),
                static_cast<unsigned long long>(rb.second));
  }
  std::printf("\n");
}

// CPU seconds (user + system) a process has used so far, from /proc; 0 if unknown.
double ProcessCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::stod(f);
    if (i == 15) {
      stime = std::stod(f);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--bootstrap")
      a.bootstrap = v;
    else if (k == "--input")
      a.input = v;
    else if (k == "--records")
      a.records = std::stoul(v);
    else if (k == "--stages")
      a.stages = v;
    else if (k == "--partitions")
      a.partitions = std::stoi(v);
    else if (k == "--commit-interval-ms")
      a.commit_interval_ms = std::stoi(v);
    else if (k == "--broker-pid")
      a.broker_pid = std::stoi(v);
    else if (k == "--raw-partitions")
      a.raw_partitions = std::stoi(v);
    else if (k == "--align")
      a.align = v == "true" || v == "1";
    else if (k == "--batch")
      a.batch = std::stoi(v);
    else if (k == "--threads")
      a.threads = std::stoi(v);
    else if (k == "--reread-records")
      a.reread = std::stoi(v);
    else if (k == "--changelog-of")
      a.changelog_of = v;
    else if (k == "--early-alert-skew-ms")
      a.early_skew_ms = std::stoi(v);
    else if (k == "--keep")
      a.keep = v == "true" || v == "1";
    else if (k == "--end-of-input")
      a.end_of_input = v == "true" || v == "1";
    else if ((k == "--producer" || k == "--consumer") && v.find('=') != std::string::npos)
      (k == "--producer" ? a.producer : a.consumer)
          .emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if (!a.changelog_of.empty()) {
    // An earlier run's changelogs (kept with --keep true, or by an older build of this bench).
    vw::runtime::PipelineConfig c;
    c.application_id = a.changelog_of;
    PrintChangelogVolume(a.bootstrap, c, a.partitions, 0);
    return 0;
  }
  if (a.input.empty()) {
    std::fprintf(stderr, "usage: pipeline_bench --input FILE [--bootstrap B] [--records N] ...\n");
    return 2;
  }
  vw::SetLogLevel(vw::LogLevel::kWarn);

  vw::runtime::PipelineConfig c;
  std::random_device rd;
  c.application_id = "vw-bench-" + std::to_string(rd() % 1000000);
  c.instance_id = "0";
  c.stages.clear();
  for (size_t p = 0; p <= a.stages.size();) {
    size_t q = a.stages.find(',', p);
    if (q == std::string::npos) q = a.stages.size();
    c.stages.push_back(a.stages.substr(p, q - p));
    p = q + 1;
  }
  c.state_dir = "/tmp/" + c.application_id;
  if (a.commit_interval_ms > 0) c.commit_interval_ms = a.commit_interval_ms;
  c.threads_per_stage = a.threads;
  if (a.batch > 0) c.keyed_batch_events = a.batch;
  if (a.reread >= 0) c.reorder_buffer_reread_records = a.reread;
  for (const auto& [k, v] : a.producer) c.producer[k] = v;
  for (const auto& [k, v] : a.consumer) c.consumer[k] = v;
  c.metrics_port = 0;
  c.bootstrap_servers = a.bootstrap;
  for (auto* t : {&c.raw, &c.by_vault, &c.by_caller, &c.alerts}) {
    t->name = c.application_id + "." + t->name;
    t->partitions = a.partitions;
  }
  c.deadletter.name = c.application_id + ".dlq";
  c.feedback.name = c.application_id + ".feedback";
  // 1 preserves event-time order per key; more need --align true (docs/operations.md "Scaling").
  c.raw.partitions = a.raw_partitions;
  c.align_raw_partitions = a.align;
  if (a.early_skew_ms >= 0) c.early_alert_max_origin_skew_ms = a.early_skew_ms;
  vw::bench::RunCleanup cleanup(c, a.keep);

  {
    auto admin = vw::kafka::Admin::Create({{"bootstrap.servers", a.bootstrap}});
    if (!admin.ok()) {
      std::fprintf(stderr, "%s\n", admin.status().ToString().c_str());
      return 1;
    }
    vw::Status s = (*admin)->CreateTopics({{c.raw.name, c.raw.partitions, 1, {}}}, 30000);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  auto producer =
      vw::kafka::Producer::Create({{"bootstrap.servers", a.bootstrap}, {"linger.ms", "20"}});
  if (!producer.ok()) {
    std::fprintf(stderr, "%s\n", producer.status().ToString().c_str());
    return 1;
  }
  // The records go to the topic as they are read, 50 to an envelope (as Event Hubs delivers
  // them): this program keeps no copy of the input, so the RSS measured below is the pipeline's.
  size_t n1 = 0;
  {
    std::ifstream in(a.input);
    std::string envelope;
    size_t in_envelope = 0;
    auto send = [&] {
      envelope += "]}";
      const bool ok = (*producer)->Produce(c.raw.name, std::nullopt, "", envelope).ok();
      envelope.clear();
      in_envelope = 0;
      return ok;
    };
    for (std::string l; n1 < a.records && std::getline(in, l);) {
      if (l.empty()) continue;
      envelope += in_envelope == 0 ? "{\"records\":[" : ",";
      envelope += l;
      ++n1;
      if (++in_envelope == 50 && !send()) return 1;
    }
    if (in_envelope > 0 && !send()) return 1;
  }
  // With markers the detectors close every window at the end, as `vaultwatch detect` does at end
  // of file, so the alert count is the same as detect's on the file; without them the alerts of
  // the input's last `allowed_lateness` wait for traffic that never comes.
  if (a.end_of_input) {
    const vw::kafka::Headers flush = {
        {std::string(vw::runtime::kControlHeader), std::string(vw::runtime::kControlFlush)}};
    for (int p = 0; p < c.raw.partitions; ++p) {
      if (!(*producer)
               ->Produce(c.raw.name, vw::PartitionId(p), "", vw::runtime::kControlFlush, &flush)
               .ok()) {
        return 1;
      }
    }
  }
  if (!(*producer)->Flush(120000).ok()) return 1;
  std::printf("preloaded %zu records of %s into %s%s\n", n1, a.input.c_str(), c.raw.name.c_str(),
              a.end_of_input ? ", then end-of-input markers" : "");
  vw::ReleaseFreeHeapMemory();  // the preload's freed buffers: not the pipeline's memory
  const int64_t rss_before_kb = vw::CurrentRssKb();
  int64_t rss_peak_kb = rss_before_kb;

  // The ceiling the figure is a ratio to (DESIGN.md section 8), on the same file, before and
  // after the throughput phase: this machine's speed drifts by tens of percent within minutes.
  const std::string parse_limit = vw::bench::ParseLimitBeside(argv[0]);
  const double limit_before = vw::bench::RunParseLimit(parse_limit, a.input);

  bool detectors = std::find(c.stages.begin(), c.stages.end(), "vault") != c.stages.end();
  // Every detector partition flushes once at the markers.
  uint64_t flushes_expected = 0;
  if (a.end_of_input) {
    for (const char* stage : {"vault", "caller"}) {
      if (std::find(c.stages.begin(), c.stages.end(), stage) != c.stages.end())
        flushes_expected += static_cast<uint64_t>(a.partitions);
    }
  }
  std::atomic<bool> stop{false};
  vw::runtime::Pipeline pipeline(c);
  auto t0 = Clock::now();
  std::thread runner([&] {
    vw::Status s = pipeline.Run(stop);
    if (!s.ok()) std::fprintf(stderr, "pipeline: %s\n", s.ToString().c_str());
  });
  const auto& m = pipeline.metrics();
  // Steady state starts when the first transaction of ingested records has committed.
  while (m.events_in() == 0 && Clock::now() - t0 < std::chrono::minutes(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto t_first = Clock::now();
  uint64_t first_in = m.events_in();
  const double cpu0 = vw::CpuSeconds();
  const uint64_t commits0 = m.commits();
  const double commit_s0 = m.commit_seconds();
  const double broker0 = a.broker_pid > 0 ? ProcessCpuSeconds(a.broker_pid) : 0;
  auto done = [&] {
    if (m.events_in() < n1) return false;
    if (m.end_of_input_flushes() < flushes_expected) return false;
    return !detectors || m.events_detected() >= 2 * m.accepted();
  };
  while (!done() && Clock::now() - t0 < std::chrono::minutes(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    rss_peak_kb = std::max(rss_peak_kb, vw::CurrentRssKb());
  }
  if (!done()) {
    // The figures below would divide all the records by the time limit: say what went through.
    std::printf(
        "INCOMPLETE: after 30 minutes, %llu of %zu records ingested, %llu of %llu accepted events "
        "through the detector stages (peak RSS %.0f MiB)\n",
        static_cast<unsigned long long>(m.events_in()), n1,
        static_cast<unsigned long long>(m.events_detected()),
        static_cast<unsigned long long>(2 * m.accepted()), static_cast<double>(rss_peak_kb) / 1024);
    stop.store(true);
    runner.join();
    return 1;
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  double steady = std::chrono::duration<double>(Clock::now() - t_first).count();
  std::printf(
      "throughput: %zu records through [%s] with exactly-once: %.0f events/s steady "
      "(%.2f s after the first commit), %.0f events/s including start-up and group join "
      "(%.2f s); %llu transactions, %llu alerts\n",
      n1, a.stages.c_str(), (n1 - first_in) / steady, steady, n1 / secs, secs,
      static_cast<unsigned long long>(m.commits()),
      static_cast<unsigned long long>(m.alerts_total()));
  std::printf(
      "memory: RSS %.0f MiB before the pipeline started, peak %.0f MiB while it ran "
      "(sampled every 20 ms)\n",
      static_cast<double>(rss_before_kb) / 1024, static_cast<double>(rss_peak_kb) / 1024);
  // CPU per event is steadier than events/s on a machine shared with other work.
  const double events = static_cast<double>(n1 - first_in);
  double cpu = vw::CpuSeconds() - cpu0;  // then plus the broker's, when it is known
  {
    std::printf("cpu: %.1f us/event in vaultwatch (%.2f cores busy)", cpu * 1e6 / events,
                cpu / steady);
    if (a.broker_pid > 0) {
      const double broker = ProcessCpuSeconds(a.broker_pid) - broker0;
      std::printf(", %.1f us/event in the broker (%.2f cores)", broker * 1e6 / events,
                  broker / steady);
      cpu += broker;
    }
    std::printf("\n");
    const uint64_t commits = m.commits() - commits0;
    const double commit_s = m.commit_seconds() - commit_s0;
    if (commits > 0) {
      std::printf("commits: %llu in the steady phase, %.1f ms each on average\n",
                  static_cast<unsigned long long>(commits), commit_s * 1e3 / commits);
    }
  }
  if (const double limit_after = vw::bench::RunParseLimit(parse_limit, a.input);
      limit_before > 0 && limit_after > 0) {
    const double limit = (limit_before + limit_after) / 2;
    std::printf(
        "parse_limit (same file, before / after the throughput phase): %.0f / %.0f records per "
        "CPU-second; events/s steady / their mean = %.3f (250,000 events/s against the 1.35M "
        "DESIGN.md was written at: 0.185)\n",
        limit_before, limit_after, (n1 - first_in) / steady / limit);
    // The same bar per CPU-second, so idle cores and other work on the machine do not count:
    // 250,000 events/s on 2 cores is 125,000 per CPU-second, 0.093 of the 1.35M.
    std::printf(
        "events per CPU-second (vaultwatch%s): %.0f = %.3f of parse_limit's (250,000 events/s on "
        "2 cores against the 1.35M: 0.093)\n",
        a.broker_pid > 0 ? " + broker" : " only; --broker-pid adds the broker's", events / cpu,
        events / cpu / limit);
  } else {
    std::printf("parse_limit: not run (build the parse_limit target: bench/ingest.cmake)\n");
  }
  if (detectors) {
    PrintChangelogVolume(a.bootstrap, c, a.partitions, static_cast<double>(m.accepted()));
  }

  stop.store(true);
  runner.join();
  return 0;
}
