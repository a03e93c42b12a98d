// The Kafka pipeline against a real broker (issue 7's acceptance tests), with real processes:
//   Ingest*: the ingest stage alone, exactly-once under repeated kill -9 (hand-written records).
//   (a) Equivalence: generator traffic through every stage gives exactly `vaultwatch detect`'s
//       alerts on the same file.
//   (b) KillNine: the processor is killed with SIGKILL at random moments >= 5 times and restarted
//       each time: the committed alerts are still exactly (a)'s, none lost, none duplicated.
//   (c) TwoInstances: one of two instances is killed mid-stream; the survivor takes over.
//   (d) BrokerRestart: the broker (a private one, so other tests are not disturbed) is restarted
//       mid-stream on the same data; the pipeline recovers by itself.
// Bounded input is closed with end-of-input markers (runtime/control.h), as `detect` closes its
// windows at end of file. Needs VW_KAFKA_BOOTSTRAP (fails without it) and the vaultwatch binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>

#include "tests/integration/pipeline_harness.h"
#include "vw/v1/access_event.pb.h"

namespace vw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string Bootstrap() { return Env("VW_KAFKA_BOOTSTRAP"); }

std::string Record(int i) {
  char buf[1024];
  std::snprintf(
      buf, sizeof(buf),
      R"({"time":"2026-01-05T%02d:%02d:%02d.0000000Z","resourceId":"/SUBSCRIPTIONS/0000AAAA-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-%d","operationName":"SecretGet","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","durationMs":"5","callerIpAddress":"10.0.%d.%d","correlationId":"corr-%d","identity":{"claim":{"oid":"00000000-0000-0000-0000-%012d","appid":"11111111-1111-1111-1111-111111111111"}},"properties":{"id":"https://kv-%d.vault.azure.net/secrets/s%d","httpStatusCode":200}})",
      (i / 3600) % 24, (i / 60) % 60, i % 60, i % 7, (i / 250) % 250, i % 250, i, i % 13, i % 7,
      i % 20);
  return buf;
}

class PipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (Bootstrap().empty()) return;
    std::string bin = Env("VW_BINARY_DIR") + "/apps/vaultwatch";
    data_dir_ = new std::string(
        (std::filesystem::temp_directory_path() / Unique("vw-pipeline-data")).string());
    std::filesystem::create_directories(*data_dir_);
    std::string raw = *data_dir_ + "/raw.ndjson";
    int rc = RunToCompletion(
        {bin, "generate", "--seed", "7", "--days", "10", "--history-days", "8", "--events-per-day",
         "1500", "--output", raw, "--labels", *data_dir_ + "/labels.jsonl", "--quiet"},
        *data_dir_ + "/generate.log", Env("VW_SOURCE_DIR"));
    if (rc != 0) return;
    rc = RunToCompletion({bin, "detect", "--input", raw, "--output", *data_dir_ + "/expected.jsonl",
                          "--no-progress"},
                         *data_dir_ + "/detect.log", Env("VW_SOURCE_DIR"));
    if (rc != 0) return;
    input_ = new std::vector<std::string>(Lines(ReadFile(raw)));
    expected_ = new std::vector<std::string>(Lines(ReadFile(*data_dir_ + "/expected.jsonl")));
    std::sort(expected_->begin(), expected_->end());
  }

  void SetUp() override {
    ASSERT_FALSE(Bootstrap().empty())
        << "VW_KAFKA_BOOTSTRAP is not set: start a broker with scripts/kafka-local start";
    ASSERT_FALSE(Env("VW_BINARY_DIR").empty());
    ASSERT_TRUE(std::filesystem::exists(Env("VW_BINARY_DIR") + "/apps/vaultwatch"));
  }

  void NeedDataset() {
    ASSERT_NE(input_, nullptr) << "generate/detect failed; see " << (data_dir_ ? *data_dir_ : "");
    // ~20k events over 10 days (8 of history) give 59 alerts of 20 types today; fewer than 20
    // would mean the detectors or the generator changed and this test lost its teeth.
    ASSERT_GE(expected_->size(), 20u)
        << "the generated input yields no alerts: the test would prove nothing";
  }

  // Compares committed alerts with `detect`'s, reporting a readable difference.
  static void ExpectSameAlerts(std::vector<std::string> got) {
    std::sort(got.begin(), got.end());
    std::vector<std::string> missing, extra;
    std::set_difference(expected_->begin(), expected_->end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), expected_->begin(), expected_->end(),
                        std::back_inserter(extra));
    EXPECT_EQ(got.size(), expected_->size());
    EXPECT_TRUE(missing.empty()) << missing.size() << " alerts lost, first: " << missing.front();
    EXPECT_TRUE(extra.empty()) << extra.size()
                               << " alerts extra or duplicated, first: " << extra.front();
  }

  static std::string* data_dir_;
  static std::vector<std::string>* input_;
  static std::vector<std::string>* expected_;
};

std::string* PipelineTest::data_dir_ = nullptr;
std::vector<std::string>* PipelineTest::input_ = nullptr;
std::vector<std::string>* PipelineTest::expected_ = nullptr;

TEST_F(PipelineTest, IngestStageIsExactlyOnceUnderRepeatedKill9) {
  PipelineSetup setup("vw-it-ingest", Bootstrap(), 3, "ingest", "", 3);
  ASSERT_TRUE(setup.CreateTopics().ok());
  const int kRecords = 30000;
  std::vector<std::string> lines;
  for (int i = 0; i < kRecords; ++i) {
    lines.push_back(Record(i));
    if (i % 1000 == 0) lines.push_back("{\"broken\": 1,,}");  // one dead letter
  }
  const size_t kBroken = (kRecords + 999) / 1000;

  Child proc = setup.Start("0");
  std::atomic<bool> fed{false};
  std::thread feeder([&] {
    EXPECT_TRUE(Feed(setup.bootstrap, setup.raw, 3, lines, 20, false, 10, milliseconds(40)).ok());
    fed.store(true);
  });
  std::mt19937 rng(12345);
  int kills = 0;
  for (; kills < 6; ++kills) {
    std::this_thread::sleep_for(milliseconds(700 + rng() % 1500));
    proc.Kill9();
    proc = setup.Start("0", "-" + std::to_string(kills));
  }
  feeder.join();
  ASSERT_TRUE(fed.load());

  std::vector<std::string> events =
      ReadCommitted(setup.bootstrap, setup.by_vault, 3, kRecords, seconds(120));
  std::vector<std::string> callers =
      ReadCommitted(setup.bootstrap, setup.by_caller, 3, kRecords, seconds(60), milliseconds(500));
  std::vector<std::string> dead =
      ReadCommitted(setup.bootstrap, setup.dlq, 1, kBroken, seconds(60), milliseconds(500));
  EXPECT_EQ(proc.Terminate(), 0) << "SIGTERM must stop the pipeline cleanly";

  std::multiset<std::string> ids;
  for (const auto& v : events) {
    v1::AccessEvent e;
    ASSERT_TRUE(e.ParseFromString(v));
    ids.insert(e.correlation_id());
  }
  EXPECT_GE(kills, 5);
  EXPECT_EQ(events.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(ids.size(), static_cast<size_t>(kRecords));
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kRecords)) << "duplicated events";
  EXPECT_EQ(callers.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(dead.size(), kBroken);
}

TEST_F(PipelineTest, AlertsEqualEmbeddedDetect) {
  NeedDataset();
  PipelineSetup setup("vw-it-equal", Bootstrap(), 4, "ingest, vault, caller", "");
  ASSERT_TRUE(setup.CreateTopics().ok());
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, *input_, 50, true).ok());
  Child proc = setup.Start("0");
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 4, expected_->size(), seconds(180));
  EXPECT_EQ(proc.Terminate(), 0);
  ExpectSameAlerts(got);
}

TEST_F(PipelineTest, KillNineAtRandomMomentsLosesAndDuplicatesNothing) {
  NeedDataset();
  PipelineSetup setup("vw-it-kill", Bootstrap(), 4, "ingest, vault, caller", "");
  ASSERT_TRUE(setup.CreateTopics().ok());
  Child proc = setup.Start("0");
  std::thread feeder([&] {
    EXPECT_TRUE(Feed(setup.bootstrap, setup.raw, 1, *input_, 50, true, 2, milliseconds(60)).ok());
  });
  std::mt19937 rng(777);
  int kills = 0;
  for (; kills < 6; ++kills) {
    std::this_thread::sleep_for(milliseconds(800 + rng() % 2200));
    proc.Kill9();
    proc = setup.Start("0", "-" + std::to_string(kills));
  }
  feeder.join();
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 4, expected_->size(), seconds(240));
  EXPECT_EQ(proc.Terminate(), 0);
  EXPECT_GE(kills, 5);
  ExpectSameAlerts(got);
}

TEST_F(PipelineTest, SurvivorTakesOverWhenOneOfTwoInstancesIsKilled) {
  NeedDataset();
  // Two consumer threads per stage in each instance: four members per group over four
  // partitions, then two once `a` is gone.
  PipelineSetup setup("vw-it-two", Bootstrap(), 4, "ingest, vault, caller", "", 1, 2);
  ASSERT_TRUE(setup.CreateTopics().ok());
  Child a = setup.Start("a");
  Child b = setup.Start("b");
  std::thread feeder([&] {
    EXPECT_TRUE(Feed(setup.bootstrap, setup.raw, 1, *input_, 50, true, 2, milliseconds(60)).ok());
  });
  std::this_thread::sleep_for(seconds(4));
  ASSERT_TRUE(a.alive() && b.alive());
  a.Kill9();  // never restarted: b must take over its partitions (and their state)
  feeder.join();
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 4, expected_->size(), seconds(240));
  EXPECT_EQ(b.Terminate(), 0);
  ExpectSameAlerts(got);
  std::string log = ReadFile(setup.dir + "/run-b.log");
  EXPECT_NE(log.find("partitions assigned"), std::string::npos);
}

TEST_F(PipelineTest, RecoversByItselfFromABrokerRestart) {
  NeedDataset();
  // A private broker: restarting the shared one would disturb the tests running beside this one.
  int base_port = 19092;
  std::string b = Bootstrap();
  if (auto colon = b.rfind(':'); colon != std::string::npos)
    base_port = std::stoi(b.substr(colon + 1));
  const std::string port = std::to_string(base_port + 5);
  const std::string run_dir =
      (std::filesystem::temp_directory_path() / Unique("vw-it-broker")).string();
  const std::string script = Env("VW_SOURCE_DIR") + "/scripts/kafka-local";
  ::setenv("VW_KAFKA_PORT", port.c_str(), 1);
  ::setenv("VW_KAFKA_RUN_DIR", run_dir.c_str(), 1);
  std::filesystem::create_directories(run_dir + "-logs");
  const std::string log = run_dir + "-logs/kafka-local.log";
  ASSERT_EQ(RunToCompletion({script, "start"}, log, Env("VW_SOURCE_DIR")), 0) << ReadFile(log);
  struct StopBroker {
    std::string script, log;
    ~StopBroker() { RunToCompletion({script, "stop"}, log, "/"); }
  } stop_broker{script, log};

  PipelineSetup setup("vw-it-broker", "127.0.0.1:" + port, 4, "ingest, vault, caller", "");
  ASSERT_TRUE(setup.CreateTopics().ok());
  Child proc = setup.Start("0");
  std::thread feeder([&] {
    EXPECT_TRUE(Feed(setup.bootstrap, setup.raw, 1, *input_, 50, true, 2, milliseconds(60)).ok());
  });
  std::this_thread::sleep_for(seconds(3));
  ASSERT_EQ(RunToCompletion({script, "restart"}, log, Env("VW_SOURCE_DIR")), 0) << ReadFile(log);
  feeder.join();
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 4, expected_->size(), seconds(240));
  EXPECT_TRUE(proc.alive()) << "the pipeline must ride out a broker restart, not exit";
  EXPECT_EQ(proc.Terminate(), 0);
  ExpectSameAlerts(got);
}

}  // namespace
}  // namespace vw::testing
