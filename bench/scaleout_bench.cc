// scaleout_bench: 1, then 2, then 3 instances of `vaultwatch run` on the same topics, on this
// machine (so throughput is not the point): each instance's share of the detector partitions,
// how long each scale-out's rebalance takes with state moving (the new instance has no local
// state: it restores its partitions from the changelogs, in the background), and whether the
// committed alerts are still exactly `vaultwatch detect`'s on the same input.
//
//   VW_SOURCE_DIR=$PWD build/release/bench/scaleout_bench --bootstrap 127.0.0.1:19092
//       [--events-per-day 20000] [--days 10] [--vaults N --identities N] [--partitions 6] [--keep]
//       [--input FILE]
//
// --input feeds FILE (Key Vault records, NDJSON) instead of a generated tenant: for instance
// scale_bench's rewrite over millions of keys, so that the state moving at each scale-out is
// large and the rebalance time includes real restores.
//
// The input (the generator's tenant) is fed in thirds: the first to instance a alone, the second
// after b joined, the last (with end-of-input markers) after c joined. Rebalance time: from
// starting the new instance until every detector partition of both stages is assigned to exactly
// one instance, the new one has its share, and no restore is left running (read from the
// instances' logs: "worker assigned", "restoring state in the background", "state restored;
// partition resumed").
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/pipeline_harness.h"

namespace vw::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Instance {
  std::string name;
  std::string log;
  Child proc;
};

std::string Field(const std::string& line, const std::string& name) {
  const std::string key = " " + name + "=";
  size_t at = line.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  size_t end = line.find(' ', at);
  return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

struct LogState {
  std::map<std::string, std::set<std::string>> assigned;  // stage -> partitions (latest)
  int restoring = 0, resumed = 0, cancelled = 0;
  uint64_t restored_records = 0;
  int assignments = 0;
};

// What the log says after byte `from`.
LogState ReadLog(const std::string& file, size_t from) {
  LogState st;
  std::string text = ReadFile(file);
  if (from < text.size()) {
    text = text.substr(from);
  } else {
    text.clear();
  }
  for (const std::string& line : Lines(text)) {
    if (line.find("msg=\"worker assigned\"") != std::string::npos) {
      const std::string worker = Field(line, "worker");
      const std::string stage = worker.substr(0, worker.find('/'));
      std::set<std::string>& parts = st.assigned[stage];
      parts.clear();
      const std::string list = Field(line, "partitions");
      size_t p = 0;
      while (p < list.size()) {
        size_t comma = list.find(',', p);
        parts.insert(list.substr(p, comma == std::string::npos ? std::string::npos : comma - p));
        if (comma == std::string::npos) break;
        p = comma + 1;
      }
      ++st.assignments;
    } else if (line.find("restoring state in the background") != std::string::npos) {
      ++st.restoring;
    } else if (line.find("state restored; partition resumed") != std::string::npos) {
      ++st.resumed;
    } else if (line.find("restore cancelled") != std::string::npos) {
      ++st.cancelled;
    } else if (line.find("state restored from changelog") != std::string::npos) {
      st.restored_records += std::strtoull(Field(line, "records").c_str(), nullptr, 10);
    }
  }
  return st;
}

// Waits until the detector groups have committed every record of their input topics.
double WaitCaughtUp(const PipelineSetup& setup, seconds timeout) {
  const auto t0 = Clock::now();
  auto admin = kafka::Admin::Create({{"bootstrap.servers", setup.bootstrap}});
  if (!admin.ok()) return -1;
  for (auto deadline = t0 + timeout; Clock::now() < deadline;
       std::this_thread::sleep_for(milliseconds(250))) {
    bool done = true;
    // Ingest first: a keyed topic the ingest stage has not written to yet looks caught up.
    for (const auto& [topic, group] : {std::pair{setup.raw, setup.app + ".ingest"},
                                       std::pair{setup.by_vault, setup.app + ".vault"},
                                       std::pair{setup.by_caller, setup.app + ".caller"}}) {
      auto c =
          kafka::Consumer::Create({{"bootstrap.servers", setup.bootstrap}, {"group.id", group}});
      if (!c.ok()) return -1;
      std::vector<kafka::TopicPartition> tps;
      const int n = topic == setup.raw ? setup.raw_partitions : setup.partitions;
      for (int p = 0; p < n; ++p) tps.push_back({topic, PartitionId(p)});
      auto committed = (*c)->Committed(tps, 10000);
      for (const auto& tp : tps) {
        auto marks = (*admin)->Watermarks(tp, 10000);
        if (!committed.ok() || !marks.ok()) {
          done = false;
          continue;
        }
        const int64_t at = committed->count(tp) ? (*committed)[tp].value() : -1;
        // The last record may be a transaction marker.
        if (marks->second.value() > 0 && at < marks->second.value() - 1) done = false;
      }
    }
    if (done) return std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return -1;
}

// Starts `name` and waits for the group to settle; prints the shares and the rebalance time.
bool ScaleOut(PipelineSetup& setup, std::vector<Instance>& instances, const std::string& name) {
  std::vector<size_t> offsets;
  for (const auto& inst : instances) offsets.push_back(ReadFile(inst.log).size());
  offsets.push_back(0);
  const auto t0 = Clock::now();
  instances.push_back({name, setup.dir + "/run-" + name + ".log", setup.Start(name)});
  bool is_settled = false;
  Clock::time_point settled = t0;
  int assignments_when_settled = 0;
  std::vector<LogState> states;
  for (auto deadline = t0 + seconds(300); Clock::now() < deadline;
       std::this_thread::sleep_for(milliseconds(100))) {
    states.clear();
    int assignments = 0;
    bool ok = true;
    for (size_t i = 0; i < instances.size(); ++i) {
      states.push_back(ReadLog(instances[i].log, offsets[i]));
      const LogState& st = states.back();
      assignments += st.assignments;
      if (st.restoring != st.resumed + st.cancelled) ok = false;
    }
    for (const char* stage : {"vault", "caller"}) {
      size_t total = 0;
      std::set<std::string> all;
      for (const LogState& st : states) {
        auto it = st.assigned.find(stage);
        if (it == st.assigned.end()) {
          ok = false;  // every member rejoins in an eager rebalance
          continue;
        }
        total += it->second.size();
        all.insert(it->second.begin(), it->second.end());
      }
      if (total != static_cast<size_t>(setup.partitions) || all.size() != total) ok = false;
      auto mine = states.back().assigned.find(stage);
      if (mine == states.back().assigned.end() || mine->second.empty()) ok = false;
    }
    if (!ok) {
      is_settled = false;
      continue;
    }
    if (!is_settled || assignments != assignments_when_settled) {
      is_settled = true;
      settled = Clock::now();
      assignments_when_settled = assignments;
    }
    if (Clock::now() - settled > seconds(3)) break;  // no further rebalance followed
  }
  if (!is_settled) {
    std::printf("  %s: the group did not settle within 300 s\n", name.c_str());
    return false;
  }
  std::printf(
      "  %zu instance(s): rebalance with state moving %.2f s (start of %s to every "
      "partition assigned once and restored)\n",
      instances.size(), std::chrono::duration<double>(settled - t0).count(), name.c_str());
  for (size_t i = 0; i < instances.size(); ++i) {
    const LogState& st = states[i];
    auto count = [&](const char* stage) {
      auto it = st.assigned.find(stage);
      return it == st.assigned.end() ? size_t{0} : it->second.size();
    };
    std::printf("    %s: vault %zu/%d, caller %zu/%d partitions; restored %d partition(s), %" PRIu64
                " changelog records\n",
                instances[i].name.c_str(), count("vault"), setup.partitions, count("caller"),
                setup.partitions, st.resumed, st.restored_records);
  }
  return true;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

int Main(int argc, char** argv) {
  std::string bootstrap, events_per_day = "20000", days = "10", vaults, identities, input_file;
  int partitions = 6;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--keep") {
      keep = true;
    } else if (i + 1 < argc && flag == "--bootstrap") {
      bootstrap = argv[++i];
    } else if (i + 1 < argc && flag == "--events-per-day") {
      events_per_day = argv[++i];
    } else if (i + 1 < argc && flag == "--days") {
      days = argv[++i];
    } else if (i + 1 < argc && flag == "--vaults") {
      vaults = argv[++i];
    } else if (i + 1 < argc && flag == "--identities") {
      identities = argv[++i];
    } else if (i + 1 < argc && flag == "--input") {
      input_file = argv[++i];
    } else if (i + 1 < argc && flag == "--partitions") {
      partitions = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: scaleout_bench --bootstrap HOST:PORT [--events-per-day N] [--days N] "
                   "[--vaults N] [--identities N] [--partitions N] [--keep] [--input FILE]\n");
      return 2;
    }
  }
  if (bootstrap.empty()) {
    std::fprintf(stderr, "--bootstrap is required\n");
    return 2;
  }
  if (Env("VW_SOURCE_DIR").empty()) ::setenv("VW_SOURCE_DIR", ".", 1);
  if (Env("VW_BINARY_DIR").empty()) {
    const std::string self = std::filesystem::canonical("/proc/self/exe").string();
    ::setenv("VW_BINARY_DIR", std::filesystem::path(self).parent_path().parent_path().c_str(), 1);
  }
  const std::string bin = Env("VW_BINARY_DIR") + "/apps/vaultwatch";

  PipelineSetup setup("vw-scaleout", bootstrap, partitions, "ingest, vault, caller", "");
  const std::string raw_file = input_file.empty() ? setup.dir + "/raw.ndjson" : input_file;
  std::vector<std::string> generate = {bin, "generate", "--seed", "11", "--quiet"};
  auto add = [&generate](const char* flag, const std::string& value) {
    if (!value.empty()) generate.insert(generate.end(), {flag, value});
  };
  add("--days", days);
  add("--history-days", std::to_string(std::max(1, std::atoi(days.c_str()) - 2)));
  add("--events-per-day", events_per_day);
  add("--vaults", vaults);
  add("--identities", identities);
  add("--output", raw_file);
  add("--labels", setup.dir + "/labels.jsonl");
  if ((input_file.empty() &&
       RunToCompletion(generate, setup.dir + "/generate.log", Env("VW_SOURCE_DIR")) != 0) ||
      RunToCompletion({bin, "detect", "--input", raw_file, "--output",
                       setup.dir + "/expected.jsonl", "--no-progress"},
                      setup.dir + "/detect.log", Env("VW_SOURCE_DIR")) != 0) {
    std::fprintf(stderr, "generate/detect failed; see %s\n", setup.dir.c_str());
    return 1;
  }
  const std::vector<std::string> input = Lines(ReadFile(raw_file));
  std::vector<std::string> expected = Lines(ReadFile(setup.dir + "/expected.jsonl"));
  std::sort(expected.begin(), expected.end());
  std::printf("scaleout_bench: %zu events, %zu alerts expected, %d partitions per keyed topic\n",
              input.size(), expected.size(), partitions);
  if (!setup.CreateTopics().ok()) {
    std::fprintf(stderr, "creating topics failed\n");
    return 1;
  }
  const size_t third = input.size() / 3;
  const std::vector<std::string> part1(input.begin(), input.begin() + third),
      part2(input.begin() + third, input.begin() + 2 * third),
      part3(input.begin() + 2 * third, input.end());

  std::vector<Instance> instances;
  if (!Feed(setup.bootstrap, setup.raw, 1, part1, 50, false).ok()) return 1;
  instances.push_back({"a", setup.dir + "/run-a.log", setup.Start("a")});
  double s = WaitCaughtUp(setup, seconds(600));
  std::printf("  1 instance: first third (%zu events) processed in %.1f s\n", part1.size(), s);
  bool ok = ScaleOut(setup, instances, "b");
  if (!Feed(setup.bootstrap, setup.raw, 1, part2, 50, false).ok()) return 1;
  s = WaitCaughtUp(setup, seconds(600));
  std::printf("  2 instances: second third processed in %.1f s after it was fed\n", s);
  ok = ScaleOut(setup, instances, "c") && ok;
  if (!Feed(setup.bootstrap, setup.raw, 1, part3, 50, true).ok()) return 1;
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, partitions, expected.size(), seconds(600));
  for (auto& inst : instances) {
    std::printf("    %s: state on disk %.1f MB\n", inst.name.c_str(),
                static_cast<double>(DirBytes(setup.dir + "/state-" + inst.name)) / 1e6);
    inst.proc.Terminate();
  }
  std::sort(got.begin(), got.end());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  std::printf("  alerts: %zu committed, %zu expected, %zu missing, %zu extra: %s\n", got.size(),
              expected.size(), missing.size(), extra.size(),
              missing.empty() && extra.empty() ? "exact" : "NOT EXACT");
  if (!keep && missing.empty() && extra.empty()) {
    auto admin = kafka::Admin::Create({{"bootstrap.servers", setup.bootstrap}});
    if (admin.ok()) {
      (*admin)
          ->DeleteTopics({setup.raw, setup.by_vault, setup.by_caller, setup.alerts, setup.dlq,
                          setup.feedback, setup.Changelog("vault"), setup.Changelog("caller")},
                         30000)
          .IgnoreError();
    }
  } else {
    std::printf("kept: %s\n", setup.dir.c_str());
  }
  return ok && missing.empty() && extra.empty() ? 0 : 1;
}

}  // namespace
}  // namespace vw::testing

int main(int argc, char** argv) { return vw::testing::Main(argc, argv); }
