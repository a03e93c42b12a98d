// Restoring state in the background, against a real broker and real processes: a detector
// partition whose changelog takes longer to restore than the consumer's max.poll.interval.ms is
// restored on the worker's restore thread, paused, while the worker keeps polling and processes
// its other partition; SIGTERM during the restore cancels it and stops the process cleanly; the
// next start restores again, and a rebalance (a second instance joining) during that restore
// cancels it too; the committed alerts are exactly `vaultwatch detect`'s.
// Needs VW_KAFKA_BOOTSTRAP and the vaultwatch binary (VW_BINARY_DIR).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <string>
#include <vector>

#include "tests/integration/pipeline_harness.h"

namespace vw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr char kRestored[] = "state restored from changelog";

// Lines of the log naming the restore of `changelog_partition` ("<topic>/<n>") as done.
bool RestoreDone(const std::string& log_file, const std::string& changelog_partition) {
  for (const std::string& line : Lines(ReadFile(log_file))) {
    if (line.find(kRestored) != std::string::npos &&
        line.find(changelog_partition) != std::string::npos)
      return true;
  }
  return false;
}

TEST(RestoreTest, ALongRestoreRunsInTheBackgroundAndAlertsStayExact) {
  const std::string bootstrap = Env("VW_KAFKA_BOOTSTRAP");
  ASSERT_FALSE(bootstrap.empty())
      << "VW_KAFKA_BOOTSTRAP is not set: start a broker with scripts/kafka-local start";
  const std::string bin = Env("VW_BINARY_DIR") + "/apps/vaultwatch";
  ASSERT_TRUE(std::filesystem::exists(bin));

  PipelineSetup setup("vw-it-restore", bootstrap, 2, "ingest, vault, caller", "");
  // The consumer's poll limit at its minimum (the session timeout): a restore held inside the
  // rebalance callback (as it once was) would run past it.
  {
    std::string text = ReadFile(setup.config_path);
    const std::string hb = R"(heartbeat.interval.ms: "500")";
    text.replace(text.find(hb), hb.size(), hb + R"(, max.poll.interval.ms: "6000")");
    std::ofstream(setup.config_path, std::ios::trunc) << text;
  }
  const std::string raw_file = setup.dir + "/raw.ndjson";
  ASSERT_EQ(RunToCompletion({bin, "generate", "--seed", "7", "--days", "10", "--history-days", "8",
                             "--events-per-day", "1500", "--output", raw_file, "--labels",
                             setup.dir + "/labels.jsonl", "--quiet"},
                            setup.dir + "/generate.log", Env("VW_SOURCE_DIR")),
            0);
  ASSERT_EQ(RunToCompletion({bin, "detect", "--input", raw_file, "--output",
                             setup.dir + "/expected.jsonl", "--no-progress"},
                            setup.dir + "/detect.log", Env("VW_SOURCE_DIR")),
            0);
  const std::vector<std::string> input = Lines(ReadFile(raw_file));
  std::vector<std::string> expected = Lines(ReadFile(setup.dir + "/expected.jsonl"));
  std::sort(expected.begin(), expected.end());
  ASSERT_GE(expected.size(), 20u)
      << "the generated input yields no alerts: the test proves nothing";

  ASSERT_TRUE(setup.CreateTopics().ok());
  const auto half = input.begin() + static_cast<std::ptrdiff_t>(input.size() / 2);
  const std::vector<std::string> first(input.begin(), half), second(half, input.end());
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, first, 50, false).ok());
  Child proc = setup.Start("0");

  auto admin = kafka::Admin::Create({{"bootstrap.servers", setup.bootstrap}});
  ASSERT_TRUE(admin.ok()) << admin.status();
  auto group = kafka::Consumer::Create(
      {{"bootstrap.servers", setup.bootstrap}, {"group.id", setup.app + ".vault"}});
  ASSERT_TRUE(group.ok()) << group.status();
  const std::vector<kafka::TopicPartition> tps = {{setup.by_vault, PartitionId(0)},
                                                  {setup.by_vault, PartitionId(1)}};
  auto committed_offsets = [&]() {
    auto c = (*group)->Committed(tps, 10000);
    std::vector<int64_t> out;
    for (const auto& tp : tps) out.push_back(c.ok() && c->count(tp) ? (*c)[tp].value() : -1);
    return out;
  };
  // Until the vault stage committed every keyed record of the first half.
  bool caught_up = false;
  for (auto deadline = Clock::now() + seconds(120); !caught_up && Clock::now() < deadline;
       std::this_thread::sleep_for(milliseconds(500))) {
    const std::vector<int64_t> done = committed_offsets();
    caught_up = true;
    for (size_t i = 0; i < tps.size(); ++i) {
      auto marks = (*admin)->Watermarks(tps[i], 10000);
      ASSERT_TRUE(marks.ok()) << marks.status();
      if (marks->second.value() == 0 || done[i] < marks->second.value() - 1) caught_up = false;
    }
  }
  ASSERT_TRUE(caught_up) << "the vault stage did not finish the first half";
  ASSERT_EQ(proc.Terminate(), 0);
  const std::vector<int64_t> before = committed_offsets();

  // Partition 1's changelog made long to restore without changing what it restores to: a
  // two million puts of keys no detector uses, then a tombstone for each, after the last commit
  // record. The local stores are lost, so both partitions restore on the next start.
  const std::string changelog = setup.Changelog("vault");
  {
    auto producer = kafka::Producer::Create({{"bootstrap.servers", setup.bootstrap},
                                             {"linger.ms", "20"},
                                             {"batch.size", "1000000"},
                                             {"message.timeout.ms", "300000"}});
    ASSERT_TRUE(producer.ok()) << producer.status();
    ASSERT_TRUE((*producer)->WaitForTopic(changelog, 2, 30000).ok());
    constexpr int kPad = 2000000;
    const std::string value("\x00pad", 4);  // a store value: varint header, then bytes
    for (int i = 0; i < kPad; ++i) {
      ASSERT_TRUE((*producer)
                      ->Produce(changelog, PartitionId(1), "zz.pad/" + std::to_string(i), value)
                      .ok());
    }
    for (int i = 0; i < kPad; ++i) {
      ASSERT_TRUE((*producer)
                      ->ProduceTombstone(changelog, PartitionId(1), "zz.pad/" + std::to_string(i))
                      .ok());
    }
    ASSERT_TRUE((*producer)->Flush(300000).ok());
  }
  std::filesystem::remove_all(setup.dir + "/state-0");

  // Restart with the second half arriving: partition 0 (a small changelog) must be processed
  // while partition 1 is still restoring.
  proc = setup.Start("0", "-restoring");
  const std::string log_file = setup.dir + "/run-0-restoring.log";
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, second, 50, true).ok());
  const std::string restoring = changelog + "/1";
  bool advanced_while_restoring = false;
  for (auto deadline = Clock::now() + seconds(120);
       Clock::now() < deadline && !RestoreDone(log_file, restoring);
       std::this_thread::sleep_for(milliseconds(200))) {
    if (committed_offsets()[0] > before[0]) {
      advanced_while_restoring = !RestoreDone(log_file, restoring);
      break;
    }
  }
  EXPECT_TRUE(advanced_while_restoring)
      << "partition 0 made no progress while partition 1 was restored: the restore held the "
         "worker (in the rebalance callback?)";
  // SIGTERM while partition 1 is still restoring: the restore is cancelled, the process stops.
  const bool still_restoring = !RestoreDone(log_file, restoring);
  const auto t0 = Clock::now();
  EXPECT_EQ(proc.Terminate(), 0);
  if (still_restoring) {
    EXPECT_LT(Clock::now() - t0, seconds(10)) << "a restore in progress held up the shutdown";
  }
  EXPECT_EQ(ReadFile(log_file).find("maximum poll interval"), std::string::npos)
      << "the worker went past max.poll.interval.ms";

  // The next start restores partition 1 again (the cancelled restore left no commit record);
  // while it does, a second instance joins: the rebalance revokes the partition being restored
  // (its restore is cancelled) and the instance that gets it restores it once more. Every alert
  // is there exactly once.
  proc = setup.Start("0", "-after");
  const std::string after_log = setup.dir + "/run-0-after.log";
  bool restoring_again = false;
  for (auto deadline = Clock::now() + seconds(60); !restoring_again && Clock::now() < deadline;
       std::this_thread::sleep_for(milliseconds(100))) {
    for (const std::string& line : Lines(ReadFile(after_log))) {
      if (line.find("restoring state in the background") != std::string::npos &&
          line.find(setup.by_vault + "/1") != std::string::npos)
        restoring_again = true;
    }
  }
  ASSERT_TRUE(restoring_again) << ReadFile(after_log).substr(0, 4000);
  Child joiner = setup.Start("1");
  EXPECT_TRUE(WaitForLogLine(after_log, "restore cancelled: partition revoked", seconds(60)))
      << "the rebalance did not cancel the restore in progress";
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, setup.partitions, expected.size(), seconds(240));
  EXPECT_EQ(proc.Terminate(), 0);
  EXPECT_EQ(joiner.Terminate(), 0);
  EXPECT_TRUE(RestoreDone(after_log, restoring) ||
              RestoreDone(setup.dir + "/run-1.log", restoring));
  std::sort(got.begin(), got.end());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(missing.empty()) << missing.size() << " alerts lost, first: " << missing.front();
  EXPECT_TRUE(extra.empty()) << extra.size()
                             << " alerts extra or duplicated, first: " << extra.front();
}

}  // namespace
}  // namespace vw::testing
