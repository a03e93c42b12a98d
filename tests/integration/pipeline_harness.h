// Test support for the pipeline integration tests: real `vaultwatch` processes (spawned, killed
// with SIGKILL, stopped with SIGTERM), input fed to the raw topic, and committed output read back
// with a read_committed consumer. Owner: pipeline.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "runtime/control.h"
#include "tests/support/text_files.h"

extern char** environ;

namespace vw::testing {

inline std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

inline std::string Unique(const std::string& prefix) {
  std::random_device rd;
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000);
}

// A child process with stdout+stderr appended to `log`, started in `cwd`.
class Child {
 public:
  Child() = default;
  Child(const std::vector<std::string>& args, const std::string& log, const std::string& cwd) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> argv;
    // The shell-free way to change directory for the child: spawn through /bin/sh -c is avoided
    // (quoting); chdir in the parent is not thread-safe, so args run under `env -C`.
    std::vector<std::string> full = {"/usr/bin/env", "-C", cwd};
    full.insert(full.end(), args.begin(), args.end());
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) pid_ = -1;
  }
  Child(Child&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Child& operator=(Child&& o) noexcept {
    Reap();
    pid_ = o.pid_;
    o.pid_ = -1;
    return *this;
  }
  ~Child() { Reap(); }

  pid_t pid() const { return pid_; }
  bool alive() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
  void Kill9() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  // SIGTERM, then wait up to `seconds`; returns the exit status (or -1 if it had to be killed).
  int Terminate(int seconds = 30) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < seconds * 10; ++i) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Kill9();
    return -1;
  }
  // Waits for the process to exit; returns its exit code (128+signal if signalled).
  int Wait() {
    int st = 0;
    if (pid_ <= 0) return -1;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

 private:
  void Reap() {
    if (pid_ > 0) Kill9();
  }
  pid_t pid_ = -1;
};

// Runs a command to completion; returns its exit code.
inline int RunToCompletion(const std::vector<std::string>& args, const std::string& log,
                           const std::string& cwd) {
  Child c(args, log, cwd);
  return c.Wait();
}

// Produces `lines` to `topic` as NDJSON messages of `per_message` lines each, partitions
// round-robin, then (if `end_markers`) a flush marker to every partition. `pause_every` messages,
// sleeps `pause` (to stretch the stream over time so crashes land mid-stream).
inline Status Feed(const std::string& bootstrap, const std::string& topic, int partitions,
                   const std::vector<std::string>& lines, size_t per_message, bool end_markers,
                   int pause_every = 0, std::chrono::milliseconds pause = {}) {
  VW_ASSIGN_OR_RETURN(auto producer, kafka::Producer::Create({{"bootstrap.servers", bootstrap},
                                                              {"message.timeout.ms", "300000"}}));
  VW_RETURN_IF_ERROR(producer->WaitForTopic(topic, partitions, 30000));
  int part = 0;
  int messages = 0;
  for (size_t i = 0; i < lines.size(); i += per_message) {
    std::string value;
    for (size_t j = i; j < std::min(lines.size(), i + per_message); ++j) value += lines[j] + "\n";
    VW_RETURN_IF_ERROR(producer->Produce(topic, PartitionId(part), "", value));
    part = (part + 1) % partitions;
    if (pause_every > 0 && ++messages % pause_every == 0) {
      producer->Poll();
      std::this_thread::sleep_for(pause);
    }
  }
  if (end_markers) {
    kafka::Headers h = {
        {std::string(runtime::kControlHeader), std::string(runtime::kControlFlush)}};
    for (int p = 0; p < partitions; ++p) {
      VW_RETURN_IF_ERROR(producer->Produce(topic, PartitionId(p), "", runtime::kControlFlush, &h));
    }
  }
  return producer->Flush(300000);
}

// Every record of `topic` (all partitions, read_committed) from the beginning to its end, as
// key + value (tombstones: empty value).
inline std::vector<std::pair<std::string, std::string>> ReadToEnd(const std::string& bootstrap,
                                                                  const std::string& topic,
                                                                  int partitions,
                                                                  std::chrono::seconds timeout) {
  std::vector<std::pair<std::string, std::string>> out;
  auto consumer = kafka::Consumer::Create({{"bootstrap.servers", bootstrap},
                                           {"group.id", Unique("vw-it-reader")},
                                           {"enable.partition.eof", "true"}});
  EXPECT_TRUE(consumer.ok()) << consumer.status();
  if (!consumer.ok()) return out;
  kafka::OffsetMap start;
  for (int p = 0; p < partitions; ++p) start[{topic, PartitionId(p)}] = KafkaOffset(-2);
  EXPECT_TRUE((*consumer)->Assign(start).ok());
  std::set<kafka::TopicPartition> done;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (done.size() < static_cast<size_t>(partitions) &&
         std::chrono::steady_clock::now() < deadline) {
    std::vector<kafka::Message> batch;
    std::vector<kafka::TopicPartition> eof;
    (*consumer)->Poll(200, 5000, &batch, &eof).IgnoreError();
    for (const auto& m : batch) out.emplace_back(std::string(m.key()), std::string(m.value()));
    done.insert(eof.begin(), eof.end());
  }
  EXPECT_EQ(done.size(), static_cast<size_t>(partitions)) << topic << " not read to its end";
  return out;
}

// Waits until `file` contains `text` (a log line the process writes), at most `timeout`.
inline bool WaitForLogLine(const std::string& file, const std::string& text,
                           std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReadFile(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

// Reads `topic` (all partitions, read_committed, from the beginning), control records left out,
// until `want` records have arrived and then `settle` more passes without new ones, or until
// `timeout`, or until `until` returns true for a value. Returns the values.
inline std::vector<std::string> ReadCommitted(
    const std::string& bootstrap, const std::string& topic, int partitions, size_t want,
    std::chrono::seconds timeout,
    std::chrono::milliseconds settle = std::chrono::milliseconds(3000),
    const std::function<void()>& on_poll = nullptr,
    const std::function<bool(const std::string&)>& until = nullptr) {
  std::vector<std::string> values;
  // librdkafka 2.0.2 wants a group.id even for a manual assignment (nothing is committed).
  auto consumer = kafka::Consumer::Create(
      {{"bootstrap.servers", bootstrap}, {"group.id", Unique("vw-it-reader")}});
  EXPECT_TRUE(consumer.ok()) << consumer.status();
  if (!consumer.ok()) return values;
  kafka::OffsetMap start;
  for (int p = 0; p < partitions; ++p) start[{topic, PartitionId(p)}] = KafkaOffset(-2);
  Status assigned = (*consumer)->Assign(start);
  EXPECT_TRUE(assigned.ok()) << assigned;
  if (!assigned.ok()) return values;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto quiet_since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<kafka::Message> batch;
    (*consumer)->Poll(200, 5000, &batch).IgnoreError();
    bool done = false;
    for (const auto& m : batch) {
      if (m.header(runtime::kControlHeader).has_value()) continue;  // watermarks, flush markers
      values.emplace_back(m.value());
      if (until && until(values.back())) done = true;
    }
    if (done) break;
    if (!batch.empty()) quiet_since = std::chrono::steady_clock::now();
    if (on_poll) on_poll();
    if (values.size() >= want && std::chrono::steady_clock::now() - quiet_since >= settle) break;
  }
  return values;
}

// The pipeline config for one test: unique application id and topics.
struct PipelineSetup {
  std::string app, dir, config_path, bootstrap;
  std::string raw, by_vault, by_caller, alerts, dlq, feedback;
  int partitions = 4;  // of every topic but the raw one
  int raw_partitions = 1;
  int threads = 1;  // threads_per_stage

  // `raw_parts`: the detector tests use ONE raw partition. A pre-loaded multi-partition raw topic
  // is consumed partition after partition, so one key's events from different raw partitions
  // would reach the detectors hours of event time apart and beyond the allowed lateness be
  // dropped as late, which `detect` (reading the file in order) never does. Live traffic keeps
  // the raw partitions within seconds of each other.
  PipelineSetup(const std::string& name, const std::string& bootstrap_servers, int parts,
                const std::string& stages, const std::string& detect_config, int raw_parts = 1,
                int threads_per_stage = 1)
      : bootstrap(bootstrap_servers),
        partitions(parts),
        raw_partitions(raw_parts),
        threads(threads_per_stage) {
    app = Unique(name);
    dir = (std::filesystem::temp_directory_path() / app).string();
    std::filesystem::create_directories(dir);
    raw = app + ".raw";
    by_vault = app + ".by-vault";
    by_caller = app + ".by-caller";
    alerts = app + ".alerts";
    dlq = app + ".dlq";
    feedback = app + ".feedback";
    config_path = dir + "/pipeline.yaml";
    std::ofstream out(config_path);
    out << "application_id: " << app << "\n"
        << "stages: [" << stages << "]\n"
        << "commit_interval_ms: 100\n"
        // A bounded input compared with `detect`: replay settings (docs/operations.md, "Event
        // time, watermarks and lateness"); UseLiveSettings() for the live defaults.
        << kReplaySettings << "threads_per_stage: " << threads_per_stage << "\n"
        << "state_dir: " << dir << "/state\n"
        << "detect_config: \"" << detect_config << "\"\n"
        << "metrics: {port: 0}\n"
        << "topics:\n"
        << "  raw: {name: " << raw << ", partitions: " << raw_parts << "}\n"
        << "  by_vault: {name: " << by_vault << ", partitions: " << parts << "}\n"
        << "  by_caller: {name: " << by_caller << ", partitions: " << parts << "}\n"
        << "  alerts: {name: " << alerts << ", partitions: " << parts << "}\n"
        << "  deadletter: {name: " << dlq << ", partitions: 1}\n"
        << "  feedback: {name: " << feedback << ", partitions: 1}\n"
        << "kafka:\n"
        << "  bootstrap_servers: " << bootstrap << "\n"
        << "  consumer: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}\n"
        << "  producer: {transaction.timeout.ms: \"10000\"}\n";
  }

  // The directory (config, logs, state) stays for inspection when the test failed.
  ~PipelineSetup() {
    if (!::testing::Test::HasFailure()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
  PipelineSetup(const PipelineSetup&) = delete;
  PipelineSetup& operator=(const PipelineSetup&) = delete;

  static constexpr const char* kReplaySettings =
      "watermark_idle_timeout_ms: 0\nearly_alert_max_origin_skew_ms: 0\n";
  // The live defaults: idle raw partitions left out of the watermark after 30 s, threshold
  // alerts when crossed while the raw partitions are aligned.
  void UseLiveSettings() const {
    std::string text = ReadFile(config_path);
    text.erase(text.find(kReplaySettings), std::string(kReplaySettings).size());
    std::ofstream(config_path, std::ios::trunc) << text;
  }

  // Appends top-level YAML to the config (e.g. "privacy: {pseudonymise: state}").
  void AppendConfig(const std::string& yaml) const {
    std::ofstream out(config_path, std::ios::app);
    out << yaml << "\n";
  }

  // The changelog topic of a detector stage ("vault" or "caller").
  std::string Changelog(const std::string& stage) const { return app + "-" + stage + "-changelog"; }

  // `vaultwatch run` for this setup; `instance` names the instance (and its state dir).
  Child Start(const std::string& instance, const std::string& extra_log_suffix = "") const {
    std::string bin = Env("VW_BINARY_DIR") + "/apps/vaultwatch";
    return Child({bin, "run", "--config", config_path, "--instance-id", instance, "--state-dir",
                  dir + "/state-" + instance},
                 dir + "/run-" + instance + extra_log_suffix + ".log", Env("VW_SOURCE_DIR"));
  }

  Status CreateTopics() const {
    VW_ASSIGN_OR_RETURN(auto admin, kafka::Admin::Create({{"bootstrap.servers", bootstrap}}));
    return admin->CreateTopics({{raw, raw_partitions, 1, {}},
                                {by_vault, partitions, 1, {}},
                                {by_caller, partitions, 1, {}},
                                {alerts, partitions, 1, {}},
                                {dlq, 1, 1, {}},
                                {feedback, 1, 1, {}}},
                               30000);
  }
};

}  // namespace vw::testing
