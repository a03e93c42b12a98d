// live_latency_bench: what a user feels on a live feed, from a record's arrival in the raw topic
// to its alert committed in the alerts topic, per detector family (see pipeline.cmake).
//
// The pipeline (every stage, in this process) is given: an 8-day history for the callers the
// threshold attacks will use (so their baselines are learned), then a live feed whose event time
// is the wall clock, with NO end-of-input marker: benign readers at --rate records/s spread over
// the raw partitions with a skew (partition 0 carries --skew of them), and one raw partition
// idle. Into the feed, attacks are injected at known moments: TOR access, threat-intel IP success
// and denial, a secret purge (decided on arrival), an excessive-retrieval burst and a
// list-then-get dump (threshold: fire when crossed), and a policy change then read (ordered: at
// the watermark, that is `allowed_lateness` later). A read_committed consumer of the alerts topic
// matches each alert to its attack (type and the attack's own vault or caller) and records
// latency = alert read - the attack's triggering record produced (wall clock).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/logging.h"
#include "base/time_format.h"
#include "bench/pipeline_run.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "runtime/config.h"
#include "runtime/pipeline.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string bootstrap = "127.0.0.1:19092";
  int raw_partitions = 4;  // the last one stays idle
  int partitions = 4;
  double skew = 0.6;  // share of the live feed on raw partition 0
  int rate = 1000;    // benign records per second
  int live_seconds = 120;
  int drain_seconds = 20;  // after the feed, for the last alerts
  int attacks = 10;        // per family
  int lateness_seconds = 600;
  int commit_interval_ms = 0;  // 0 = the runtime's default
  bool keep = false;
};

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Record(int64_t t, const std::string& vault, const std::string& op,
                   const std::string& oid, const std::string& ip, const std::string& target,
                   int status = 200) {
  static std::atomic<uint64_t> corr{0};
  const std::string object = op.starts_with("Key") ? "keys" : "secrets";
  std::string r =
      R"({"time":")" + vw::FormatRfc3339(vw::EventTime::FromMicros(t)) +
      R"(","resourceId":"/SUBSCRIPTIONS/0000AAAA-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/)" +
      vault + R"(","operationName":")" + op +
      R"(","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":")" +
      (status == 200 ? "OK" : "Forbidden") + R"(","durationMs":"4","callerIpAddress":")" + ip +
      R"(","correlationId":"live-)" + std::to_string(corr++) + R"(","identity":{"claim":{"oid":")" +
      oid + R"(","appid":"11111111-1111-1111-1111-111111111111"}},"properties":{)";
  if (!target.empty()) {
    r += R"("id":"https://)" + vault + ".vault.azure.net/" + object + "/" + target + R"(",)";
  }
  return r + R"("httpStatusCode":)" + std::to_string(status) + "}}";
}

std::string Envelope(const std::vector<std::string>& records) {
  std::string e = "{\"records\":[";
  for (size_t i = 0; i < records.size(); ++i) e += (i ? "," : "") + records[i];
  return e + "]}";
}

std::string Oid(const std::string& kind, int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012d",
                static_cast<unsigned>(std::hash<std::string>()(kind) & 0xffffffff), i);
  return buf;
}

// One injected attack: the alert it must produce and the token (vault name or caller object id)
// that tells its alert from the others.
struct Attack {
  std::string family, type, token;
  int64_t produced_us = 0;  // its triggering (last) record handed to the producer
  int64_t alerted_us = 0;   // its alert read, committed (0: not yet)
};

struct Family {
  std::string name, type, how;
};
const std::vector<Family> kFamilies = {
    {"tor", "KV_TORAccess", "on arrival"},
    {"suspicious-ip", "KV_SuspiciousIPAccess", "on arrival"},
    {"suspicious-ip-denied", "KV_SuspiciousIPAccessDenied", "on arrival"},
    {"sensitive-operation", "KV_SensitiveOperation", "on arrival"},
    {"excessive-retrieval", "KV_ExcessiveRetrieval", "when crossed"},
    {"list-get", "KV_ListGetAnomaly", "when crossed"},
    {"put-get", "KV_PutGetAnomaly", "at the watermark"},
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--bootstrap")
      a.bootstrap = v;
    else if (k == "--raw-partitions")
      a.raw_partitions = std::stoi(v);
    else if (k == "--partitions")
      a.partitions = std::stoi(v);
    else if (k == "--skew")
      a.skew = std::stod(v);
    else if (k == "--rate")
      a.rate = std::stoi(v);
    else if (k == "--live-seconds")
      a.live_seconds = std::stoi(v);
    else if (k == "--drain-seconds")
      a.drain_seconds = std::stoi(v);
    else if (k == "--attacks")
      a.attacks = std::stoi(v);
    else if (k == "--lateness-seconds")
      a.lateness_seconds = std::stoi(v);
    else if (k == "--commit-interval-ms")
      a.commit_interval_ms = std::stoi(v);
    else if (k == "--keep")
      a.keep = v == "true" || v == "1";
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if (a.raw_partitions < 2 || a.attacks < 1 || a.live_seconds < 10) {
    std::fprintf(stderr, "need --raw-partitions >= 2, --attacks >= 1, --live-seconds >= 10\n");
    return 2;
  }
  vw::SetLogLevel(vw::LogLevel::kWarn);

  vw::runtime::PipelineConfig c;
  std::random_device rd;
  c.application_id = "vw-live-" + std::to_string(rd() % 1000000);
  c.state_dir = "/tmp/" + c.application_id;
  c.metrics_port = 0;
  c.bootstrap_servers = a.bootstrap;
  if (a.commit_interval_ms > 0) c.commit_interval_ms = a.commit_interval_ms;
  for (auto* t : {&c.raw, &c.by_vault, &c.by_caller, &c.alerts}) {
    t->name = c.application_id + "." + t->name;
    t->partitions = a.partitions;
  }
  c.raw.partitions = a.raw_partitions;
  c.deadletter.name = c.application_id + ".dlq";
  c.feedback.name = c.application_id + ".feedback";
  std::filesystem::create_directories(c.state_dir);
  c.detect_config = c.state_dir + "/detect.yaml";
  {
    // The repository's threat-intel lists, found from the working directory (the repo root).
    std::ofstream y(c.detect_config);
    const std::string root = std::filesystem::current_path().string();
    y << "engine:\n  allowed_lateness: " << a.lateness_seconds << "s\n"
      << "threat_intel:\n  tor_file: " << root << "/configs/threat-intel/tor-exit-nodes.txt\n"
      << "  suspicious_file: " << root << "/configs/threat-intel/suspicious-ips.txt\n"
      << "  microsoft_file: " << root
      << "/configs/threat-intel/microsoft-ranges.txt\n"
      // Its attackers have no history: the routine-based types alert on every occurrence, so
      // their latency can be measured.
      << "sensitive_operation:\n  always_alert: true\nput_get:\n  always_alert: true\n";
  }
  vw::bench::RunCleanup cleanup(c, a.keep);
  {
    auto admin = vw::kafka::Admin::Create({{"bootstrap.servers", a.bootstrap}});
    if (!admin.ok() ||
        !(*admin)->CreateTopics({{c.raw.name, c.raw.partitions, 1, {}}}, 30000).ok()) {
      std::fprintf(stderr, "cannot create %s\n", c.raw.name.c_str());
      return 1;
    }
  }
  auto producer =
      vw::kafka::Producer::Create({{"bootstrap.servers", a.bootstrap}, {"linger.ms", "5"}});
  if (!producer.ok()) return 1;
  const int live_parts = a.raw_partitions - 1;  // the last raw partition stays idle

  // Callers of the threshold attacks: an 8-day history, three reads a day of two secrets.
  const int64_t kSec = 1000000, kDay = 86400 * kSec;
  const int64_t start_us = NowUs();
  size_t history = 0;
  for (int i = 0; i < 3 * a.attacks; ++i) {
    std::vector<std::string> recs;
    for (int d = 8; d >= 1; --d) {
      for (int r = 0; r < 3; ++r) {
        recs.push_back(Record(start_us - d * kDay + (r * 4 + 8) * 3600 * kSec,
                              "KV-HOME-" + std::to_string(i), "SecretGet", Oid("learned", i),
                              "10.8.0." + std::to_string(i % 250), "s" + std::to_string(r % 2)));
      }
    }
    history += recs.size();
    if (!(*producer)->Produce(c.raw.name, vw::PartitionId(i % live_parts), "", Envelope(recs)).ok())
      return 1;
  }
  if (!(*producer)->Flush(60000).ok()) return 1;

  std::atomic<bool> stop{false};
  vw::runtime::Pipeline pipeline(c);
  std::thread runner([&] {
    vw::Status s = pipeline.Run(stop);
    if (!s.ok()) std::fprintf(stderr, "pipeline: %s\n", s.ToString().c_str());
  });
  const auto& m = pipeline.metrics();
  const auto t0 = Clock::now();
  while ((m.accepted() < history || m.events_detected() < 2 * history) &&
         Clock::now() - t0 < std::chrono::minutes(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::printf("history: %zu records through the pipeline in %.1f s\n", history,
              std::chrono::duration<double>(Clock::now() - t0).count());

  // Alerts from now on, read_committed.
  auto consumer = vw::kafka::Consumer::Create({{"bootstrap.servers", a.bootstrap},
                                               {"group.id", c.application_id + ".bench-reader"},
                                               {"fetch.wait.max.ms", "10"}});
  if (!consumer.ok()) return 1;
  {
    vw::kafka::OffsetMap begin;
    for (int p = 0; p < c.alerts.partitions; ++p) {
      begin[{c.alerts.name, vw::PartitionId(p)}] = vw::KafkaOffset(-2);
    }
    if (!(*consumer)->Assign(begin).ok()) return 1;
  }
  std::mutex mu;
  std::vector<Attack> attacks;
  std::atomic<bool> feeding{true};
  std::thread feeder([&] {
    std::mt19937 rng(42);
    std::uniform_real_distribution<double> unit(0, 1);
    const int64_t live_start = NowUs();
    const int64_t live_end = live_start + a.live_seconds * kSec;
    const int total_attacks = a.attacks * static_cast<int>(kFamilies.size());
    int next_attack = 0;
    int64_t tick = 0;
    // Every 20 ms: the benign records of that slice, one envelope per live partition.
    for (int64_t now = NowUs(); now < live_end; now = NowUs()) {
      std::vector<std::vector<std::string>> parts(live_parts);
      const int n = a.rate / 50;
      for (int i = 0; i < n; ++i) {
        int p = unit(rng) < a.skew
                    ? 0
                    : 1 + static_cast<int>(rng() % (live_parts - 1 ? live_parts - 1 : 1));
        if (p >= live_parts) p = 0;
        const int caller = static_cast<int>(rng() % 5000);
        parts[p].push_back(Record(
            now, "KV-APP-" + std::to_string(caller % 400), "SecretGet", Oid("benign", caller),
            "10.9." + std::to_string(caller % 200) + ".7", "cfg-" + std::to_string(caller % 7)));
      }
      for (int p = 0; p < live_parts; ++p) {
        if (!parts[p].empty()) {
          (*producer)
              ->Produce(c.raw.name, vw::PartitionId(p), "", Envelope(parts[p]))
              .IgnoreError();
        }
      }
      // Attacks, evenly over the first 80% of the feed.
      const int64_t due = live_start + (next_attack + 1) * (a.live_seconds * kSec * 8 / 10) /
                                           std::max(1, total_attacks);
      if (next_attack < total_attacks && now >= due) {
        const Family& f = kFamilies[next_attack % kFamilies.size()];
        const int k = next_attack / static_cast<int>(kFamilies.size());
        const int p = static_cast<int>(rng() % live_parts);
        Attack at{f.name, f.type, ""};
        std::vector<std::string> recs;
        const std::string attacker = Oid("attacker-" + f.name, k);
        if (f.name == "tor" || f.name == "suspicious-ip" || f.name == "suspicious-ip-denied" ||
            f.name == "sensitive-operation") {
          // Vault names: alerts carry them lower-cased (CompromisedEntity).
          at.token = "kv-" + f.name + "-" + std::to_string(k);
          const std::string ip = f.name == "tor"                   ? "192.0.2.11"
                                 : f.name == "sensitive-operation" ? "198.51.100.77"
                                                                   : "203.0.113.9";
          recs.push_back(
              Record(now, at.token, f.name == "sensitive-operation" ? "SecretPurge" : "SecretGet",
                     attacker, ip, "prod-db", f.name == "suspicious-ip-denied" ? 403 : 200));
        } else {
          const int who = (f.name == "excessive-retrieval" ? 0
                           : f.name == "list-get"          ? 1
                                                           : 2) *
                              a.attacks +
                          k;
          at.token = Oid("learned", who);
          const std::string vault = "KV-HOME-" + std::to_string(who);
          const std::string ip = "10.8.0." + std::to_string(who % 250);
          if (f.name == "excessive-retrieval") {
            for (int r = 0; r < 12; ++r) {
              recs.push_back(Record(now - (11 - r) * 100000, vault, r % 2 ? "KeyGet" : "SecretGet",
                                    at.token, ip, "x" + std::to_string(r)));
            }
          } else if (f.name == "list-get") {
            recs.push_back(Record(now - 2 * kSec, vault, "SecretList", at.token, ip, ""));
            for (int r = 0; r < 16; ++r) {
              recs.push_back(Record(now - 2 * kSec + (r + 1) * 100000, vault, "SecretGet", at.token,
                                    ip, "dump-" + std::to_string(r)));
            }
          } else {
            recs.push_back(Record(now - kSec, vault, "VaultPatch", at.token, ip, ""));
            recs.push_back(Record(now, vault, "SecretGet", at.token, ip, "db"));
          }
        }
        {
          std::lock_guard<std::mutex> l(mu);
          at.produced_us = NowUs();
          attacks.push_back(at);
        }
        (*producer)->Produce(c.raw.name, vw::PartitionId(p), "", Envelope(recs)).IgnoreError();
        ++next_attack;
      }
      (*producer)->Poll();
      ++tick;
      std::this_thread::sleep_until(std::chrono::system_clock::time_point(
          std::chrono::microseconds(live_start + tick * 20000)));
    }
    (*producer)->Flush(60000).IgnoreError();
    feeding.store(false);
  });

  size_t alerts_total = 0;
  auto drained = Clock::now();
  while (feeding.load() || Clock::now() - drained < std::chrono::seconds(a.drain_seconds)) {
    if (feeding.load()) drained = Clock::now();
    std::vector<vw::kafka::Message> batch;
    (*consumer)->Poll(50, 1000, &batch).IgnoreError();
    const int64_t now = NowUs();
    std::lock_guard<std::mutex> l(mu);
    for (const auto& msg : batch) {
      ++alerts_total;
      const std::string_view v = msg.value();
      for (Attack& at : attacks) {
        if (at.alerted_us == 0 && v.find("\"AlertType\":\"" + at.type + "\"") != v.npos &&
            v.find(at.token) != v.npos) {
          at.alerted_us = now;
        }
      }
    }
  }
  feeder.join();
  stop.store(true);
  runner.join();

  std::printf(
      "live feed: %d s at %d benign records/s over %d raw partitions (%.0f%% on partition 0, "
      "partition %d idle), allowed_lateness %d s, commit_interval_ms %d; %zu alerts read\n",
      a.live_seconds, a.rate, a.raw_partitions, a.skew * 100, a.raw_partitions - 1,
      a.lateness_seconds, c.commit_interval_ms, alerts_total);
  std::printf("%-22s %-14s %8s %8s %9s %9s %9s\n", "family", "fires", "injected", "alerted",
              "p50 s", "p99 s", "max s");
  for (const Family& f : kFamilies) {
    std::vector<double> lat;
    size_t injected = 0;
    for (const Attack& at : attacks) {
      if (at.family != f.name) continue;
      ++injected;
      if (at.alerted_us > 0) lat.push_back((at.alerted_us - at.produced_us) / 1e6);
    }
    std::sort(lat.begin(), lat.end());
    if (lat.empty()) {
      std::printf("%-22s %-14s %8zu %8zu %9s %9s %9s\n", f.name.c_str(), f.how.c_str(), injected,
                  lat.size(), "-", "-", "-");
    } else {
      std::printf("%-22s %-14s %8zu %8zu %9.3f %9.3f %9.3f\n", f.name.c_str(), f.how.c_str(),
                  injected, lat.size(), vw::bench::Percentile(lat, 0.5),
                  vw::bench::Percentile(lat, 0.99), lat.back());
    }
  }
  return 0;
}
