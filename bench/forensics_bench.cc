// Replay throughput: `vaultwatch replay` over a Kafka topic of generated audit records,
// in events per second, next to the cost of reading the same topic without detection.
//
//   forensics_bench --bootstrap 127.0.0.1:19692 --records 10000000 [--runs 3] [--topic NAME]
//                   [--skip-replay 1]   (only the Kafka-side passes: fetch and source)
//
// The topic (default "vw-bench-forensics-<records>") is filled once if it holds fewer records
// than asked: generator output (benign tenant + labelled attacks) as Event Hubs envelopes of 50
// records per Kafka message, each stamped with its first record's event time, as Azure would.
// Then, best of --runs, three passes over the whole topic:
//   fetch   - the consumer alone (bytes and messages, no parsing): Kafka's cost;
//   source  - fetch + ingest (parse, normalise) + the time filter: the replay's input path;
//   replay  - RunReplay end to end: the same Engine as `detect`, isolated RocksDB state, alerts.
// Figures go to stdout, one line each, plus a JSON line.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "base/logging.h"
#include "base/process_stats.h"
#include "base/time_format.h"
#include "forensics/event_source.h"
#include "forensics/replay.h"
#include "generator/generator.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "processors/detectors/config.h"

namespace vw {
namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Produces each generator message (one envelope line) as a Kafka record.
class KafkaSink final : public gen::OutputSink {
 public:
  KafkaSink(kafka::Producer* p, std::string topic, int partitions)
      : p_(p), topic_(std::move(topic)), partitions_(partitions) {}
  Status Write(std::string_view data, const std::vector<uint32_t>& ends) override {
    uint32_t begin = 0;
    for (uint32_t end : ends) {
      std::string_view msg = data.substr(begin, end - begin);
      begin = end;
      int64_t ts_ms = 0;
      size_t at = msg.find("\"time\":\"");
      if (at != std::string_view::npos) {
        size_t q = msg.find('"', at + 8);
        if (q != std::string_view::npos) {
          auto t = ParseRfc3339(msg.substr(at + 8, q - at - 8));
          if (t.ok()) ts_ms = t->millis();
        }
      }
      min_ms = std::min(min_ms, ts_ms);
      max_ms = std::max(max_ms, ts_ms);
      VW_RETURN_IF_ERROR(p_->Produce(topic_,
                                     PartitionId(static_cast<int32_t>(messages % partitions_)), "",
                                     msg, nullptr, std::max<int64_t>(ts_ms, 1)));
      ++messages;
      if ((messages & 1023) == 0) p_->Poll();
    }
    return Status::OK();
  }
  Status Close() override { return p_->Flush(600000); }
  uint64_t messages = 0;
  int64_t min_ms = std::numeric_limits<int64_t>::max(), max_ms = 0;

 private:
  kafka::Producer* p_;
  std::string topic_;
  int partitions_;
};

struct Pass {
  double seconds = 1e30, cpu = 0;
  uint64_t events = 0, bytes = 0, messages = 0;
};

int Main(int argc, char** argv) {
  std::string bootstrap = "127.0.0.1:19092", topic;
  int64_t records = 10000000;
  int runs = 3, partitions = 6;
  bool skip_replay = false;  // --skip-replay 1: only the Kafka-side passes (fetch, source)
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--bootstrap") {
      bootstrap = v;
    } else if (k == "--records") {
      records = std::atoll(v.c_str());
    } else if (k == "--runs") {
      runs = std::atoi(v.c_str());
    } else if (k == "--topic") {
      topic = v;
    } else if (k == "--partitions") {
      partitions = std::atoi(v.c_str());
    } else if (k == "--skip-replay") {
      skip_replay = v == "1";
    } else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if (topic.empty()) topic = "vw-bench-forensics-" + std::to_string(records);
  SetLogLevel(LogLevel::kWarn);
  kafka::Config kc = {{"bootstrap.servers", bootstrap}};
  auto admin = kafka::Admin::Create(kc);
  if (!admin.ok()) return std::fprintf(stderr, "%s\n", admin.status().ToString().c_str()), 1;

  // Load (once).
  uint64_t have = 0;
  if (auto n = (*admin)->PartitionCount(topic, 15000); n.ok()) {
    partitions = *n;
    for (int p = 0; p < *n; ++p) {
      auto m = (*admin)->Watermarks({topic, PartitionId(p)}, 15000);
      if (m.ok()) have += static_cast<uint64_t>(m->second.value() - m->first.value());
    }
  }
  const uint64_t want_messages = static_cast<uint64_t>(records) / 50;
  if (have < want_messages) {
    if (have > 0) {
      std::fprintf(stderr, "topic %s holds %llu messages, fewer than %llu: delete it first\n",
                   topic.c_str(), static_cast<unsigned long long>(have),
                   static_cast<unsigned long long>(want_messages));
      return 1;
    }
    Status st = (*admin)->CreateTopics(
        {{topic, partitions, 1, {{"retention.ms", "-1"}, {"retention.bytes", "-1"}}}}, 30000);
    if (!st.ok()) return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
    gen::GeneratorOptions go;
    go.seed = 5;
    go.tenant = "large";
    go.envelope = true;
    go.envelope_size = 50;
    go.days = static_cast<int>(std::max<int64_t>(2, (records + 999999) / 1000000));
    go.events_per_day = records / go.days;  // weekday mean: weekends are quieter
    go.history_days = go.days - 1;
    auto gen = gen::Generator::Create(go);
    if (!gen.ok()) return std::fprintf(stderr, "%s\n", gen.status().ToString().c_str()), 1;
    auto producer = kafka::Producer::Create({{"bootstrap.servers", bootstrap},
                                             {"linger.ms", "20"},
                                             {"compression.type", "lz4"},
                                             {"batch.size", "1000000"},
                                             {"queue.buffering.max.kbytes", "1048576"}});
    if (!producer.ok())
      return std::fprintf(stderr, "%s\n", producer.status().ToString().c_str()), 1;
    KafkaSink sink(producer->get(), topic, partitions);
    double t0 = Now();
    // The generator's volume per day depends on the tenant preset: stop once enough records are
    // out (records come in event-time order, so the topic holds a contiguous prefix).
    st = (*gen)->Run(sink, [&](const gen::GeneratorStats& gs, double) {
      return gs.records < static_cast<uint64_t>(records);
    });
    if (st.code() == StatusCode::kCancelled) st = sink.Close();
    if (!st.ok()) return std::fprintf(stderr, "load: %s\n", st.ToString().c_str()), 1;
    std::printf("load: about %llu records in %llu messages to %s (%d partitions) in %.1f s\n",
                static_cast<unsigned long long>(sink.messages * 50),
                static_cast<unsigned long long>(sink.messages), topic.c_str(), partitions,
                Now() - t0);
  }

  auto detect_config = detect::LoadDetectConfig("");
  if (!detect_config.ok()) return 1;
  Pass fetch, source, replay;
  forensics::ReplaySummary best_summary;
  for (int r = 0; r < runs; ++r) {
    // fetch: the consumer alone.
    {
      auto admin2 = kafka::Admin::Create(kc);
      kafka::Config cc = kc;
      std::random_device rd;
      cc["group.id"] = "vw-bench-fetch-" + std::to_string(rd());
      cc["enable.partition.eof"] = "true";
      auto consumer = kafka::Consumer::Create(cc);
      if (!consumer.ok()) return 1;
      kafka::OffsetMap start;
      for (int p = 0; p < partitions; ++p) start[{topic, PartitionId(p)}] = KafkaOffset(-2);
      if (!(*consumer)->Assign(start).ok()) return 1;
      Pass cur;
      double c0 = CpuSeconds(), t0 = Now();
      int eofs = 0;
      std::vector<kafka::Message> batch;
      std::vector<kafka::TopicPartition> eof;
      while (eofs < partitions) {
        batch.clear();
        eof.clear();
        if (!(*consumer)->Poll(100, 20000, &batch, &eof).ok()) return 1;
        for (const auto& m : batch) {
          cur.bytes += m.value().size();
          ++cur.messages;
        }
        eofs += static_cast<int>(eof.size());
      }
      cur.seconds = Now() - t0;
      cur.cpu = CpuSeconds() - c0;
      cur.events = cur.messages * 50;
      if (cur.seconds < fetch.seconds) fetch = cur;
    }
    // source: fetch + ingest + filter.
    {
      forensics::SourceOptions so;
      so.input = "kafka:" + topic;
      so.kafka = kc;
      auto src = forensics::OpenEventSource(so);
      if (!src.ok()) return std::fprintf(stderr, "%s\n", src.status().ToString().c_str()), 1;
      Pass cur;
      double c0 = CpuSeconds(), t0 = Now();
      Status st = (*src)->Run([&](v1::AccessEvent&&) { return Status::OK(); });
      if (!st.ok()) return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
      cur.seconds = Now() - t0;
      cur.cpu = CpuSeconds() - c0;
      cur.events = (*src)->counters().events;
      if (cur.seconds < source.seconds) source = cur;
    }
    // replay: end to end over the whole topic.
    if (!skip_replay) {
      forensics::ReplayOptions o;
      o.input = "kafka:" + topic;
      o.output = "/dev/null";
      o.from = EventTime::FromSeconds(0);
      o.to = EventTime::FromSeconds(4102444800);  // 2100-01-01
      o.warmup = Duration();
      o.kafka = kc;
      auto sum = forensics::RunReplay(*detect_config, o);
      if (!sum.ok()) return std::fprintf(stderr, "%s\n", sum.status().ToString().c_str()), 1;
      if (sum->seconds < replay.seconds) {
        replay.seconds = sum->seconds;
        replay.cpu = sum->cpu_seconds;
        replay.events = sum->events;
        best_summary = *sum;
      }
    }
    std::fprintf(stderr, "run %d/%d done\n", r + 1, runs);
  }
  auto rate = [](const Pass& p) {
    return p.seconds > 0 ? static_cast<double>(p.events) / p.seconds : 0;
  };
  auto cpu_rate = [](const Pass& p) {
    return p.cpu > 0 ? static_cast<double>(p.events) / p.cpu : 0;
  };
  std::printf("topic %s: %llu messages, %.2f GB\n", topic.c_str(),
              static_cast<unsigned long long>(fetch.messages),
              static_cast<double>(fetch.bytes) / 1e9);
  std::printf("fetch  (Kafka only)          : %10.0f records/s  %10.0f per CPU-s  %.1f s\n",
              rate(fetch), cpu_rate(fetch), fetch.seconds);
  std::printf("source (fetch+ingest+filter) : %10.0f events/s   %10.0f per CPU-s  %.1f s\n",
              rate(source), cpu_rate(source), source.seconds);
  if (skip_replay) {
    std::printf("replay (end to end)          : skipped (--skip-replay 1)\n");
  } else {
    std::printf(
        "replay (end to end)          : %10.0f events/s   %10.0f per CPU-s  %.1f s  (%llu events, "
        "%llu alerts, peak RSS %lld MiB)\n",
        rate(replay), cpu_rate(replay), replay.seconds,
        static_cast<unsigned long long>(replay.events),
        static_cast<unsigned long long>(best_summary.alerts),
        static_cast<long long>(best_summary.peak_rss_kb / 1024));
  }
  std::printf(
      "{\"topic\":\"%s\",\"events\":%llu,\"fetch_records_per_s\":%.0f,\"source_events_per_s\":%.0f,"
      "\"replay_events_per_s\":%.0f,\"replay_events_per_cpu_s\":%.0f,\"replay_seconds\":%.2f}\n",
      topic.c_str(), static_cast<unsigned long long>(replay.events), rate(fetch), rate(source),
      rate(replay), cpu_rate(replay), skip_replay ? 0.0 : replay.seconds);
  return 0;
}

}  // namespace
}  // namespace vw

int main(int argc, char** argv) { return vw::Main(argc, argv); }
