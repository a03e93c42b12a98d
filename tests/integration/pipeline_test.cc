// The Kafka pipeline against a real broker, with real processes:
//   Ingest*: the ingest stage alone, exactly-once under repeated kill -9 (hand-written records).
//   (a) Equivalence: generator traffic through every stage gives exactly `vaultwatch detect`'s
//       alerts on the same file, and no buffered event is logged to a changelog (by default a
//       restart re-reads the input to rebuild the reorder buffers).
//   (b) KillNine: the processor is killed with SIGKILL at random moments >= 5 times and restarted
//       each time: the committed alerts are still exactly (a)'s, none lost, none duplicated.
//   (c) TwoInstances: one of two instances is killed mid-stream; the survivor takes over, with
//       reorder buffers partly logged, partly re-read (reorder_buffer_reread_records: 40).
//   (d) BrokerRestart: the broker (a private one, so other tests are not disturbed) is restarted
//       mid-stream on the same data; the pipeline recovers by itself.
//   Feedback and pseudonymisation: pipeline_privacy_test.cc.
//   Stuck: a cause retrying cannot fix (the alerts topic refuses alerts) makes the detector
//       workers back off and report unhealthy; raising the limit lets them resume, with (a)'s
//       alerts.
//   Input gone: retention (DeleteRecords, while the instance is down) deleted the input a restart
//       re-reads to rebuild the reorder buffers; the loss is logged, once per partition, and the
//       pipeline goes on.
//   Busy key: a reorder buffer of ~2 MB, logged (reorder_buffer_reread_records: 10), crosses
//       commits without a changelog record over 1 MB (no transaction aborts) and gives `detect`'s
//       alerts.
//   All run the default batched keyed records; unbatched ones (keyed_batch_events: 1) give
//   (a)'s alerts too, and so does a raw topic
//   preloaded over 2 partitions read with align_raw_partitions.
// Bounded input is closed with end-of-input markers (runtime/control.h), as `detect` closes its
// windows at end of file. Needs VW_KAFKA_BOOTSTRAP (fails without it) and the vaultwatch binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <tuple>

#include "base/time_format.h"
#include "tests/integration/pipeline_fixture.h"
#include "tests/integration/pipeline_harness.h"
#include "tests/support/http_get.h"
#include "tests/support/kafka_env.h"
#include "vw/v1/access_event.pb.h"

namespace vw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// What a detector stage logs when the input to rebuild its reorder buffers was deleted.
constexpr char kInputGone[] = "input to rebuild the reorder buffer is gone";

std::string Record(int i) {
  char buf[1024];
  std::snprintf(
      buf, sizeof(buf),
      R"({"time":"2026-01-05T%02d:%02d:%02d.0000000Z","resourceId":"/SUBSCRIPTIONS/0000AAAA-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-%d","operationName":"SecretGet","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","durationMs":"5","callerIpAddress":"10.0.%d.%d","correlationId":"corr-%d","identity":{"claim":{"oid":"00000000-0000-0000-0000-%012d","appid":"11111111-1111-1111-1111-111111111111"}},"properties":{"id":"https://kv-%d.vault.azure.net/secrets/s%d","httpStatusCode":200}})",
      (i / 3600) % 24, (i / 60) % 60, i % 60, i % 7, (i / 250) % 250, i % 250, i, i % 13, i % 7,
      i % 20);
  return buf;
}

// Kills the pipeline `kills` times with SIGKILL and restarts it, asserting that each kill hit a
// process that was running and working mid-stream: before each kill this incarnation's output
// (`topic`'s end offsets) must have grown past the previous kill's mark by more than the abort
// markers a restart writes (one per partition), and the input must still be flowing (`fed`
// unset). Then a pause of `pause()` lets the kill land somewhere in the middle of the work.
void KillRunningIncarnations(PipelineSetup& setup, Child& proc, const std::string& topic,
                             int partitions, const std::atomic<bool>& fed, int kills,
                             const std::function<milliseconds()>& pause) {
  int64_t mark = EndOffsetSum(setup.bootstrap, topic, partitions);
  ASSERT_GE(mark, 0);
  for (int k = 0; k < kills; ++k) {
    int64_t now =
        WaitForEndOffsetsPast(setup.bootstrap, topic, partitions, mark + partitions, seconds(60));
    ASSERT_GT(now, mark + partitions) << "incarnation " << k << " wrote nothing to " << topic;
    std::this_thread::sleep_for(pause());
    ASSERT_FALSE(fed.load()) << "kill " << k << " came after the end of the input";
    ASSERT_TRUE(proc.Kill9()) << "kill " << k << " found no running process";
    mark = EndOffsetSum(setup.bootstrap, topic, partitions);
    ASSERT_GE(mark, now);
    proc = setup.Start("0", "-" + std::to_string(k));
  }
}

TEST_F(PipelineTest, IngestStageIsExactlyOnceUnderRepeatedKill9) {
  PipelineSetup setup("vw-it-ingest", Bootstrap(), 3, "ingest", "", 3);
  // One event per keyed record, so that the records themselves can be counted and compared; the
  // batched default is covered end to end by (b) and (c).
  setup.AppendConfig("keyed_batch_events: 1");
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
    // ~20 s of input (40 ms after every 3 messages of 20 lines): every kill lands while it flows.
    EXPECT_TRUE(Feed(setup.bootstrap, setup.raw, 3, lines, 20, false, 3, milliseconds(40)).ok());
    fed.store(true);
  });
  std::mt19937 rng(12345);
  KillRunningIncarnations(setup, proc, setup.by_vault, 3, fed, 6,
                          [&] { return milliseconds(700 + rng() % 1500); });
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
  // By default the reorder buffers are never logged on this input (far fewer than
  // reorder_buffer_reread_records records per partition): a restart would re-read them.
  size_t changelog = 0, buffered = 0;
  for (const char* stage : {"vault", "caller"}) {
    for (const auto& [k, v] : ReadToEnd(setup.bootstrap, setup.Changelog(stage), 4, seconds(30))) {
      ++changelog;
      if (k.starts_with("e/s/")) ++buffered;
    }
  }
  EXPECT_GT(changelog, 0u);
  EXPECT_EQ(buffered, 0u) << "buffered events logged to the changelog";
}

// The other tests run the default, batched keyed records (keyed_batch_events: 50). This one runs
// keyed_batch_events: 1, one event per kv.events.by-* record keyed by its routing key: the same
// alerts as `detect`, and the records really are one per event.
TEST_F(PipelineTest, UnbatchedKeyedRecordsGiveTheSameAlerts) {
  NeedDataset();
  PipelineSetup setup("vw-it-unbatched", Bootstrap(), 4, "ingest, vault, caller", "");
  setup.AppendConfig("keyed_batch_events: 1");
  ASSERT_TRUE(setup.CreateTopics().ok());
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, *input_, 50, true).ok());
  Child proc = setup.Start("0");
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 4, expected_->size(), seconds(180));
  EXPECT_EQ(proc.Terminate(), 0);
  ExpectSameAlerts(got);
  // About one record per input record (all but the 401 challenges reach the by-vault topic).
  size_t records = ReadToEnd(setup.bootstrap, setup.by_vault, 4, seconds(60)).size();
  EXPECT_GT(records, input_->size() / 2) << "keyed records are batched";
}

// align_raw_partitions: a raw topic preloaded round-robin over 2 partitions
// is read in event-time order, so no key's events arrive late: exactly `detect`'s alerts.
TEST_F(PipelineTest, TwoPreloadedRawPartitionsAlignedByEventTimeGiveTheSameAlerts) {
  NeedDataset();
  PipelineSetup setup("vw-it-align", Bootstrap(), 4, "ingest, vault, caller", "", 2);
  setup.AppendConfig("align_raw_partitions: true");
  ASSERT_TRUE(setup.CreateTopics().ok());
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 2, *input_, 50, true).ok());
  Child proc = setup.Start("0");
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 4, expected_->size(), seconds(180));
  EXPECT_EQ(proc.Terminate(), 0);
  ExpectSameAlerts(got);
}

// One caller reading one vault 10 times a second from a TOR address: 3,000 events (about 2 MB)
// within the allowed lateness, all buffered until the end-of-input marker. Commits land while
// they are buffered (the marker is fed only once the buffer is in the changelog). Stored as one
// state value, such a buffer would make a changelog record over message.max.bytes, and every
// transaction carrying it would abort, for ever; stored in bounded segments it aborts nothing,
// and the alerts are `detect`'s. `reorder_buffer_reread_records: 10` makes the stages log the
// buffer (by default they would re-read these few records after a restart instead).
std::string BusyRecord(int i) {
  char buf[1024];
  std::snprintf(
      buf, sizeof(buf),
      R"json({"time":"2026-01-05T10:%02d:%02d.%07dZ","resourceId":"/SUBSCRIPTIONS/0000AAAA-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-BUSY","operationName":"SecretGet","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","durationMs":"5","callerIpAddress":"192.0.2.11","correlationId":"busy-%06d","identity":{"claim":{"oid":"00000000-0000-0000-0000-00000000b055","appid":"11111111-1111-1111-1111-111111111111"}},"properties":{"id":"https://kv-busy.vault.azure.net/secrets/a-secret-name-as-long-as-real-ones-%06d","clientInfo":"azsdk-net-Security.KeyVault.Secrets/4.5.0 (.NET 6.0.25; Linux 5.15.0-1057-azure)","httpStatusCode":200,"requestUri":"https://kv-busy.vault.azure.net/secrets/a-secret-name-as-long-as-real-ones-%06d/0123456789abcdef0123456789abcdef?api-version=7.4","tlsVersion":"TLS1_2"}})json",
      i / 600, (i / 10) % 60, (i % 10) * 1000000, i, i, i);
  return buf;
}

TEST_F(PipelineTest, ABusyKeysReorderBufferNeverAbortsATransaction) {
  PipelineSetup setup("vw-it-busy", Bootstrap(), 2, "ingest, vault, caller", "");
  setup.AppendConfig("reorder_buffer_reread_records: 10");
  // ~290 bytes per event as the engine stores it (without the fields it drops): 4,500 events
  // are ~1.3 MB, over Kafka's default 1 MB record limit, in 7.5 minutes of event time, all of
  // them inside the 10-minute lateness, so all buffered.
  std::vector<std::string> lines;
  for (int i = 0; i < 4500; ++i) lines.push_back(BusyRecord(i));
  const std::string input = setup.dir + "/busy.ndjson", want = setup.dir + "/busy.alerts";
  {
    std::ofstream out(input);
    for (const std::string& l : lines) out << l << "\n";
  }
  const std::string bin = Env("VW_BINARY_DIR") + "/apps/vaultwatch";
  ASSERT_EQ(RunToCompletion({bin, "detect", "--input", input, "--output", want, "--no-progress"},
                            setup.dir + "/detect.log", Env("VW_SOURCE_DIR")),
            0);
  std::vector<std::string> expected = Lines(ReadFile(want));
  ASSERT_FALSE(expected.empty()) << "no alert (KV_TORAccess expected): the test proves nothing";

  ASSERT_TRUE(setup.CreateTopics().ok());
  Child proc = setup.Start("0");
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, lines, 50, false).ok());
  // Wait until both detector stages have committed the whole buffer (segments in the changelog).
  // Until both detector stages hold over 1 MB of buffered events in segments, unchanged for a
  // second (the whole burst is in).
  size_t largest = 0, segments = 0;
  std::vector<size_t> buffered, before;
  for (auto deadline = std::chrono::steady_clock::now() + seconds(90);
       std::chrono::steady_clock::now() < deadline;) {
    largest = 0;
    segments = 0;
    buffered.assign(2, 0);
    for (int stage = 0; stage < 2; ++stage) {
      for (const auto& [k, v] : ReadToEnd(
               setup.bootstrap, setup.Changelog(stage == 0 ? "vault" : "caller"), 2, seconds(30))) {
        largest = std::max(largest, v.size());
        if (k.starts_with("e/s/")) {
          ++segments;
          buffered[stage] += v.size();
        }
      }
    }
    if (buffered == before && buffered[0] > 1000000 && buffered[1] > 1000000) break;
    before = buffered;
    std::this_thread::sleep_for(seconds(1));
  }
  ASSERT_EQ(buffered.size(), 2u);
  EXPECT_GT(buffered[0], 1000000u) << "the buffered events never reached the vault changelog";
  EXPECT_GT(buffered[1], 1000000u) << "the buffered events never reached the caller changelog";
  EXPECT_LE(largest, 300000u) << "a changelog record grows with the reorder buffer";

  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, {}, 50, true).ok());  // end of input
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 2, expected.size(), seconds(120));
  EXPECT_EQ(proc.Terminate(), 0);
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
  EXPECT_EQ(ReadFile(setup.dir + "/run-0.log").find("transaction aborted"), std::string::npos);
}

TEST_F(PipelineTest, KillNineAtRandomMomentsLosesAndDuplicatesNothing) {
  NeedDataset();
  PipelineSetup setup("vw-it-kill", Bootstrap(), 4, "ingest, vault, caller", "");
  ASSERT_TRUE(setup.CreateTopics().ok());
  Child proc = setup.Start("0");
  std::atomic<bool> fed{false};
  std::thread feeder([&] {
    // ~24 s of input (60 ms after every message of 50 lines): every kill lands while it flows.
    EXPECT_TRUE(Feed(setup.bootstrap, setup.raw, 1, *input_, 50, true, 1, milliseconds(60)).ok());
    fed.store(true);
  });
  std::mt19937 rng(777);
  KillRunningIncarnations(setup, proc, setup.by_vault, 4, fed, 6,
                          [&] { return milliseconds(500 + rng() % 1500); });
  feeder.join();
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 4, expected_->size(), seconds(240));
  EXPECT_EQ(proc.Terminate(), 0);
  ExpectSameAlerts(got);
  // Every restart re-read its input; none found it gone (the error of the test below).
  for (const auto& entry : std::filesystem::directory_iterator(setup.dir)) {
    if (entry.path().extension() != ".log") continue;
    EXPECT_EQ(ReadFile(entry.path().string()).find(kInputGone), std::string::npos) << entry.path();
  }
}

// Retention deleted the input a restart needs to rebuild the reorder buffers (here DeleteRecords
// while the instance was down, as a long outage with short retention would): the events lost
// with it are reported, once per partition, with where the input was wanted from and where it
// starts now, and the pipeline goes on with the rest of the stream.
TEST_F(PipelineTest, InputDeletedWhileDownIsReportedAsLostBufferedEvents) {
  NeedDataset();
  PipelineSetup setup("vw-it-gap", Bootstrap(), 2, "ingest, vault, caller", "");
  ASSERT_TRUE(setup.CreateTopics().ok());
  const auto half = input_->begin() + static_cast<std::ptrdiff_t>(input_->size() / 2);
  const std::vector<std::string> first(input_->begin(), half), second(half, input_->end());
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, first, 50, false).ok());
  Child proc = setup.Start("0");

  // Wait until both detector stages committed all the keyed records of the first half: the
  // last one's offset + 1, just before its transaction marker, the high watermark - 1.
  auto admin = kafka::Admin::Create({{"bootstrap.servers", setup.bootstrap}});
  ASSERT_TRUE(admin.ok()) << admin.status();
  // The detector stages' committed offsets, read under their group ids (no joining).
  std::vector<std::pair<std::string, std::unique_ptr<kafka::Consumer>>> groups;
  for (const auto& [topic, stage] : {std::pair{setup.by_vault, std::string("vault")},
                                     std::pair{setup.by_caller, std::string("caller")}}) {
    auto reader = kafka::Consumer::Create(
        {{"bootstrap.servers", setup.bootstrap}, {"group.id", setup.app + "." + stage}});
    ASSERT_TRUE(reader.ok()) << reader.status();
    groups.emplace_back(topic, std::move(*reader));
  }
  kafka::OffsetMap delete_before;
  bool caught_up = false;
  for (auto deadline = std::chrono::steady_clock::now() + seconds(120);
       !caught_up && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(milliseconds(500))) {
    caught_up = true;
    for (const auto& [topic, reader] : groups) {
      std::vector<kafka::TopicPartition> tps;
      for (int p = 0; p < setup.partitions; ++p) tps.push_back({topic, PartitionId(p)});
      auto committed = reader->Committed(tps, 10000);
      ASSERT_TRUE(committed.ok()) << committed.status();
      for (const auto& tp : tps) {
        auto marks = (*admin)->Watermarks(tp, 10000);
        if (!marks.ok()) {
          // A new topic's leader may not be known to this client yet (NOT_LEADER_FOR_PARTITION):
          // asked again on the next pass, as EndOffsetSum does.
          caught_up = false;
          continue;
        }
        const int64_t high = marks->second.value();
        const int64_t done = committed->count(tp) ? (*committed)[tp].value() : -1;
        if (high == 0 || done < high - 1) caught_up = false;
        delete_before[tp] = KafkaOffset(high);
      }
    }
  }
  ASSERT_TRUE(caught_up) << "the detector stages did not finish the first half";
  EXPECT_EQ(proc.Terminate(), 0);  // commits, with events still in the reorder buffers
  EXPECT_EQ(ReadFile(setup.dir + "/run-0.log").find(kInputGone), std::string::npos);

  ASSERT_TRUE((*admin)->DeleteRecordsBefore(delete_before, 30000).ok());
  proc = setup.Start("0", "-after-deletion");
  const std::string log_file = setup.dir + "/run-0-after-deletion.log";
  ASSERT_TRUE(WaitForLogLine(log_file, "re-reading input to rebuild state", seconds(60)))
      << "nothing was buffered at the commit: the test would prove nothing";
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, second, 50, true).ok());
  EXPECT_TRUE(WaitForLogLine(log_file, kInputGone, seconds(120)));
  // The pipeline goes on: the second half's alerts are committed (not exactly `detect`'s: the
  // buffered events of the first half are gone).
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, setup.partitions, 1, seconds(120), seconds(5));
  EXPECT_EQ(proc.Terminate(), 0);
  EXPECT_FALSE(got.empty());
  const std::string log = ReadFile(log_file);
  size_t reports = 0;
  for (size_t at = log.find(kInputGone); at != std::string::npos;
       at = log.find(kInputGone, at + 1)) {
    ++reports;
    const std::string line = log.substr(at, log.find('\n', at) - at);
    EXPECT_NE(line.find("wanted_from="), std::string::npos) << line;
    EXPECT_NE(line.find("first_offset="), std::string::npos) << line;
  }
  EXPECT_GE(reports, 1u);
  EXPECT_LE(reports, 2u * static_cast<size_t>(setup.partitions)) << "said more than once";
}

// The vault changelog is lost (records deleted) while the instance is down and its local state
// is gone too: the restore cannot reach the committed offset. The partition must not run on the
// state it has (it once logged "continuing with it" and went on): its group offsets stay where
// they were while input arrives, and the log says why.
TEST_F(PipelineTest, ChangelogLostWhileDownStopsThePartitionsInsteadOfRunningOnWrongState) {
  NeedDataset();
  PipelineSetup setup("vw-it-lostlog", Bootstrap(), 2, "ingest, vault", "");
  ASSERT_TRUE(setup.CreateTopics().ok());
  const auto half = input_->begin() + static_cast<std::ptrdiff_t>(input_->size() / 2);
  const std::vector<std::string> first(input_->begin(), half), second(half, input_->end());
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, first, 50, false).ok());
  Child proc = setup.Start("0");
  auto admin = kafka::Admin::Create({{"bootstrap.servers", setup.bootstrap}});
  ASSERT_TRUE(admin.ok()) << admin.status();
  auto group = kafka::Consumer::Create(
      {{"bootstrap.servers", setup.bootstrap}, {"group.id", setup.app + ".vault"}});
  ASSERT_TRUE(group.ok()) << group.status();
  std::vector<kafka::TopicPartition> tps;
  for (int p = 0; p < setup.partitions; ++p) tps.push_back({setup.by_vault, PartitionId(p)});
  auto committed_offsets = [&]() {
    auto c = (*group)->Committed(tps, 10000);
    EXPECT_TRUE(c.ok()) << c.status();
    std::vector<int64_t> out;
    for (const auto& tp : tps) out.push_back(c.ok() && c->count(tp) ? (*c)[tp].value() : -1);
    return out;
  };
  // Until the vault stage committed every keyed record of the first half.
  bool caught_up = false;
  for (auto deadline = std::chrono::steady_clock::now() + seconds(120);
       !caught_up && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(milliseconds(500))) {
    std::vector<int64_t> done = committed_offsets();
    caught_up = true;
    for (size_t i = 0; i < tps.size(); ++i) {
      auto marks = (*admin)->Watermarks(tps[i], 10000);
      ASSERT_TRUE(marks.ok()) << marks.status();
      if (marks->second.value() == 0 || done[i] < marks->second.value() - 1) caught_up = false;
    }
  }
  ASSERT_TRUE(caught_up) << "the vault stage did not finish the first half";
  EXPECT_EQ(proc.Terminate(), 0);
  const std::vector<int64_t> before = committed_offsets();
  const int64_t first_half_end = EndOffsetSum(setup.bootstrap, setup.by_vault, setup.partitions);

  // Lost while down: the changelog topic (deleted and created again empty: a compacted topic
  // refuses DeleteRecords), and the local stores.
  const std::string changelog = setup.app + "-vault-changelog";
  ASSERT_TRUE((*admin)->DeleteTopics({changelog}, 30000).ok());
  for (auto deadline = std::chrono::steady_clock::now() + seconds(60);
       (*admin)->PartitionCount(changelog, 10000).ok() &&
       std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(milliseconds(200));
  }
  Status created = Status::Unavailable("not tried");
  for (auto deadline = std::chrono::steady_clock::now() + seconds(60);
       !created.ok() && std::chrono::steady_clock::now() < deadline;) {
    created = (*admin)->CreateTopics(
        {{changelog, setup.partitions, 1, {{"cleanup.policy", "compact"}}}}, 30000);
    if (!created.ok()) std::this_thread::sleep_for(milliseconds(500));
  }
  ASSERT_TRUE(created.ok()) << created;
  std::filesystem::remove_all(setup.dir + "/state-0");  // Start("0")'s --state-dir

  proc = setup.Start("0", "-after-loss");
  const std::string log_file = setup.dir + "/run-0-after-loss.log";
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, second, 50, true).ok());
  EXPECT_TRUE(WaitForLogLine(log_file, "does not match the committed offset; partition stopped",
                             seconds(120)))
      << ReadFile(log_file).substr(0, 4000);
  // The ingest stage goes on (it has no state to lose): the second half reaches by-vault...
  EXPECT_GT(WaitForEndOffsetsPast(setup.bootstrap, setup.by_vault, setup.partitions,
                                  first_half_end + 2 * setup.partitions, seconds(60)),
            first_half_end + 2 * setup.partitions);
  // ...but the vault partitions do not move on from their committed offsets.
  std::this_thread::sleep_for(seconds(5));
  EXPECT_EQ(committed_offsets(), before) << "a partition ran on state known to be wrong";
  EXPECT_TRUE(WaitForLogLine(log_file, "recovery failed; retrying", seconds(30)));
  EXPECT_EQ(proc.Terminate(), 0) << "a stopped partition must not keep SIGTERM from stopping it";
}

TEST_F(PipelineTest, SurvivorTakesOverWhenOneOfTwoInstancesIsKilled) {
  NeedDataset();
  // Two consumer threads per stage in each instance: four members per group over four
  // partitions, then two once `a` is gone.
  PipelineSetup setup("vw-it-two", Bootstrap(), 4, "ingest, vault, caller", "", 1, 2);
  // The survivor rebuilds the reorder buffers of the partitions it takes over both ways: from
  // the changelog (events read over 40 records before a commit are logged) and by re-reading the
  // input (the newer ones). The other tests use the default bound, so re-reading only.
  setup.AppendConfig("reorder_buffer_reread_records: 40");
  ASSERT_TRUE(setup.CreateTopics().ok());
  Child a = setup.Start("a");
  Child b = setup.Start("b");
  std::thread feeder([&] {
    EXPECT_TRUE(Feed(setup.bootstrap, setup.raw, 1, *input_, 50, true, 2, milliseconds(60)).ok());
  });
  std::this_thread::sleep_for(seconds(4));
  ASSERT_TRUE(a.alive() && b.alive());
  ASSERT_TRUE(a.Kill9());  // never restarted: b must take over its partitions (and their state)
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

// A TCP port on 127.0.0.1 free a moment ago (the kernel's pick), for a child's HTTP endpoint.
int FreeLocalPort() {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// Log lines of `log` that contain both `a` and `b`.
size_t CountLogLines(const std::string& log, const std::string& a, const std::string& b) {
  size_t n = 0;
  for (const std::string& line : Lines(ReadFile(log))) {
    n += line.find(a) != std::string::npos && line.find(b) != std::string::npos;
  }
  return n;
}

// A cause retrying cannot fix: the alerts topic refuses every alert (its max.message.bytes is
// below an alert's size), so each detector transaction that carries one aborts, and the redone
// work fails the same way. The workers back off instead of looping flat out and report stuck (an
// error log line, /healthz 503 naming the worker, the gauges); once an operator raises the limit
// they commit again by themselves, /healthz is 200, and the alerts are exactly (a)'s.
TEST_F(PipelineTest, AStuckWorkerIsReportedAndResumesWhenItsCauseIsFixed) {
  NeedDataset();
  PipelineSetup setup("vw-it-stuck", Bootstrap(), 2, "ingest, vault, caller", "");
  auto admin = kafka::Admin::Create({{"bootstrap.servers", setup.bootstrap}});
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE(
      (*admin)->CreateTopics({{setup.alerts, 2, 1, {{"max.message.bytes", "1024"}}}}, 30000).ok());
  ASSERT_TRUE(setup.CreateTopics().ok());  // the others; the alerts topic exists already
  const int port = FreeLocalPort();
  {
    std::string config = ReadFile(setup.config_path);
    config.replace(config.find("metrics: {port: 0}"), 18,
                   "metrics: {port: " + std::to_string(port) + "}");
    std::ofstream(setup.config_path) << config;
  }
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, *input_, 50, true).ok());
  Child proc = setup.Start("0");
  const std::string log = setup.dir + "/run-0.log";
  ASSERT_TRUE(WaitForLogLine(log, "worker stuck", seconds(120))) << "no worker reported stuck:\n"
                                                                 << ReadFile(log);
  std::string health = HttpGet(port, "/healthz");
  EXPECT_EQ(health.rfind("HTTP/1.1 503", 0), 0u) << health;
  EXPECT_NE(health.find("stuck: transactions keep aborting"), std::string::npos) << health;
  std::string metrics = HttpGet(port, "/metrics");
  EXPECT_NE(metrics.find("\nvaultwatch_healthy 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vaultwatch_transactions_aborted_in_a_row{worker=\"vault/0\"}"),
            std::string::npos);
  // The log names the cause, not only librdkafka's "Erroneous state".
  EXPECT_GT(CountLogLines(log, "worker stuck", "MSG_SIZE_TOO_LARGE"), 0u) << ReadFile(log);

  // Backing off: once stuck (5 aborts in a row) the retries wait 0.8, 1.6, 3.2, 6.4 s...
  // Flat out, a worker redoes its ~100 ms transaction several times a second. The window starts
  // when vault/0 itself is stuck: the first worker to report it may be another one, while vault/0
  // is still in its short early retries (0, 0.1, 0.2, 0.4 s).
  const std::string worker = "worker=vault/0";
  const auto stuck_deadline = std::chrono::steady_clock::now() + seconds(60);
  while (CountLogLines(log, "worker stuck", worker) == 0 &&
         std::chrono::steady_clock::now() < stuck_deadline) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_GT(CountLogLines(log, "worker stuck", worker), 0u) << "vault/0 never reported stuck:\n"
                                                            << ReadFile(log);
  const size_t before = CountLogLines(log, "transaction aborted", worker);
  std::this_thread::sleep_for(seconds(10));
  const size_t during = CountLogLines(log, "transaction aborted", worker) - before;
  EXPECT_LE(during, 5u) << "aborts in 10 s while stuck: not backing off";

  // The operator fixes the cause; nothing is restarted.
  ASSERT_TRUE(
      (*admin)->SetTopicConfigs(setup.alerts, {{"max.message.bytes", "1048588"}}, 30000).ok());
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 2, expected_->size(), seconds(180));
  EXPECT_TRUE(WaitForLogLine(log, "no longer stuck", seconds(30)));
  health = HttpGet(port, "/healthz");
  EXPECT_EQ(health.rfind("HTTP/1.1 200", 0), 0u) << health;
  // Every detector partition (2 by vault, 2 by caller) flushed at the end-of-input markers once,
  // although transactions holding flushes were aborted and redone while stuck.
  const std::string flushed = "\nvaultwatch_end_of_input_flushes_total 4\n";
  for (int i = 0; i < 100 && metrics.find(flushed) == std::string::npos; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    metrics = HttpGet(port, "/metrics");
  }
  EXPECT_NE(metrics.find(flushed), std::string::npos) << metrics;
  EXPECT_TRUE(proc.alive());
  EXPECT_EQ(proc.Terminate(), 0);
  ExpectSameAlerts(got);
}

// --- Live input: the stream's watermark, no end-of-input marker ---

// One Key Vault record at `t` (microseconds) as Azure writes it.
std::string LiveRecord(int64_t t, const std::string& vault, const std::string& op,
                       const std::string& oid, const std::string& ip, const std::string& target,
                       const std::string& correlation) {
  const std::string object = op.starts_with("Key") ? "keys" : "secrets";
  std::string rec =
      R"({"time":")" + FormatRfc3339(EventTime::FromMicros(t)) +
      R"(","resourceId":"/SUBSCRIPTIONS/0000AAAA-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/)" +
      vault + R"(","operationName":")" + op +
      R"(","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","durationMs":"5","callerIpAddress":")" +
      ip + R"(","correlationId":")" + correlation + R"(","identity":{"claim":{"oid":")" + oid +
      R"(","appid":"11111111-1111-1111-1111-111111111111"}},"properties":{)";
  if (!target.empty()) {
    rec += R"("id":"https://)" + vault + ".vault.azure.net/" + object + "/" + target + R"(",)";
  }
  rec += R"("httpStatusCode":200}})";
  return rec;
}

// The type of every committed alert (values are Defender-shaped JSON).
std::multiset<std::string> AlertTypes(const std::vector<std::string>& alerts) {
  std::multiset<std::string> types;
  for (const auto& a : alerts) types.insert(MustParseAlert(a).type);
  return types;
}

// Issue 20's defect: without an end-of-input marker, an attacker identity used once never
// alerted, and every detector waited for its key's own future traffic. Here, over two raw
// partitions with no marker: a one-shot TOR access (decided on arrival), a one-shot policy change
// then read on a vault that goes quiet (an ordered detector: released by the stream watermark,
// which the rest of the tenant's traffic moves), and an excessive-retrieval burst by a caller
// with an 8-day history at the very end of the input, which the watermark never passes: it must
// fire when the burst crosses the threshold.
TEST_F(PipelineTest, OneShotAttacksAlertWithoutAnEndOfInputMarker) {
  // The one-shot attacker has no history, so policy-change-then-read runs Sentinel-style (every
  // occurrence alerts): this test is about when the alert goes out, not about baselines.
  const std::string detect_config =
      (std::filesystem::temp_directory_path() / Unique("vw-it-live-detect")).string() + ".yaml";
  std::ofstream(detect_config) << "put_get: {always_alert: true}\n";
  PipelineSetup setup("vw-it-live", Bootstrap(), 4, "ingest, vault, caller", detect_config, 2);
  setup.UseLiveSettings();
  ASSERT_TRUE(setup.CreateTopics().ok());
  const int64_t kSec = 1000000, kMin = 60 * kSec, kDay = 1440 * kMin;
  const int64_t t0 = 1767571200LL * kSec;  // 2026-01-05T00:00:00Z
  const std::string user = "00000000-0000-0000-0000-0000000000a1";
  std::vector<std::string> lines;
  for (int d = 8; d >= 1; --d) {  // history: three reads a day, of two secrets
    for (int i = 0; i < 3; ++i) {
      lines.push_back(LiveRecord(t0 - d * kDay + (9 + 3 * i) * 60 * kMin, "KV-HIST", "SecretGet",
                                 user, "10.1.0.5", "s" + std::to_string(i % 2),
                                 "h-" + std::to_string(d) + "-" + std::to_string(i)));
    }
  }
  // The tenant's other traffic: a reader every 30 s for 20 minutes.
  std::vector<std::string> background;
  for (int i = 0; i < 40; ++i) {
    background.push_back(LiveRecord(t0 + i * 30 * kSec, "KV-BG", "SecretGet",
                                    "00000000-0000-0000-0000-0000000000b9", "10.2.0.9", "bg",
                                    "bg-" + std::to_string(i)));
  }
  lines.insert(lines.end(), background.begin(), background.begin() + 4);
  lines.push_back(LiveRecord(t0 + kMin, "KV-TOR", "SecretGet",
                             "00000000-0000-0000-0000-0000000000c1", "192.0.2.11", "x", "tor-1"));
  lines.push_back(LiveRecord(t0 + kMin, "KV-QUIET", "VaultPatch",
                             "00000000-0000-0000-0000-0000000000d1", "10.3.0.1", "", "pg-1"));
  lines.push_back(LiveRecord(t0 + 2 * kMin, "KV-QUIET", "SecretGet",
                             "00000000-0000-0000-0000-0000000000d1", "10.3.0.1", "db", "pg-2"));
  lines.insert(lines.end(), background.begin() + 4, background.end());
  for (int i = 0; i < 12; ++i) {  // 12 reads of two kinds in 24 s, after the last background
    lines.push_back(LiveRecord(t0 + 20 * kMin + i * 2 * kSec, "KV-HIST",
                               i % 2 == 0 ? "SecretGet" : "KeyGet", user, "10.1.0.5",
                               "o" + std::to_string(i), "burst-" + std::to_string(i)));
  }
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 2, lines, 3, /*end_markers=*/false).ok());
  Child proc = setup.Start("0");
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> got = ReadCommitted(setup.bootstrap, setup.alerts, 4, 3, seconds(90));
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(proc.Terminate(), 0);
  std::multiset<std::string> types = AlertTypes(got);
  EXPECT_EQ(types.count("KV_TORAccess"), 1u);
  EXPECT_EQ(types.count("KV_PutGetAnomaly"), 1u) << "the quiet vault's caller was not evaluated";
  EXPECT_EQ(types.count("KV_ExcessiveRetrieval"), 1u) << "the burst waited for the watermark";
  EXPECT_EQ(got.size(), 3u);
  EXPECT_LT(waited, 90.0);
}

// Issue 20's second defect: raw partitions that arrive in bursts (one partition's day, then the
// other's) made one key's earlier events from the slow partition late for that key, and the
// pipeline's alerts differed from `detect`'s. With the stream watermark (the minimum over the
// raw partitions) they are not late; with end-of-input markers and repeated kill -9 the
// committed alerts are exactly `detect`'s, with the replay settings (PipelineSetup's default).
TEST_F(PipelineTest, RawPartitionsInDayBurstsWithKill9GiveDetectsAlerts) {
  NeedDataset();
  PipelineSetup setup("vw-it-bursts", Bootstrap(), 4, "ingest, vault, caller", "", 2);
  ASSERT_TRUE(setup.CreateTopics().ok());
  // The input's messages (50 lines each) go round-robin to the two partitions, as Feed would;
  // then each UTC day is produced partition after partition.
  constexpr size_t kPerMessage = 50;
  struct Message {
    int partition;
    std::string day;  // of its first record: "YYYY-MM-DD"
    std::string value;
  };
  std::vector<Message> messages;
  for (size_t i = 0; i < input_->size(); i += kPerMessage) {
    Message m{static_cast<int>((i / kPerMessage) % 2), "", ""};
    for (size_t j = i; j < std::min(input_->size(), i + kPerMessage); ++j) {
      m.value += (*input_)[j] + "\n";
      const size_t at = (*input_)[j].find("\"time\":\"");
      if (m.day.empty() && at != std::string::npos) m.day = (*input_)[j].substr(at + 8, 10);
    }
    messages.push_back(std::move(m));
  }
  std::vector<std::string> days;
  for (const auto& m : messages) days.push_back(m.day);
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  ASSERT_GE(days.size(), 8u);
  std::atomic<int64_t> produced{0};
  std::thread feeder([&] {
    auto producer = kafka::Producer::Create({{"bootstrap.servers", setup.bootstrap}});
    ASSERT_TRUE(producer.ok());
    ASSERT_TRUE((*producer)->WaitForTopic(setup.raw, 2, 30000).ok());
    for (const std::string& day : days) {
      for (int p = 0; p < 2; ++p) {
        for (const auto& m : messages) {
          if (m.day != day || m.partition != p) continue;
          ASSERT_TRUE((*producer)->Produce(setup.raw, PartitionId(p), "", m.value).ok());
          if (++produced % 2 == 0) {
            (*producer)->Poll();
            std::this_thread::sleep_for(milliseconds(60));
          }
        }
      }
    }
    kafka::Headers h = {
        {std::string(runtime::kControlHeader), std::string(runtime::kControlFlush)}};
    for (int p = 0; p < 2; ++p) {
      ASSERT_TRUE(
          (*producer)->Produce(setup.raw, PartitionId(p), "", runtime::kControlFlush, &h).ok());
    }
    ASSERT_TRUE((*producer)->Flush(300000).ok());
  });
  Child proc = setup.Start("0");
  std::mt19937 rng(2020);
  int kills = 0;
  int64_t at_last_kill = 0;
  while (kills < 4) {
    std::this_thread::sleep_for(milliseconds(1500 + rng() % 2500));
    const int64_t now = produced.load();
    if (now >= static_cast<int64_t>(messages.size())) break;  // the input is all there
    ASSERT_GT(now, at_last_kill) << "no input produced between two kills";
    ASSERT_TRUE(proc.Kill9()) << "the kill must hit a running process, mid-stream";
    at_last_kill = now;
    ++kills;
    proc = setup.Start("0", "-" + std::to_string(kills));
  }
  feeder.join();
  EXPECT_GE(kills, 2) << "the input was fed before the kills could land mid-stream";
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 4, expected_->size(), seconds(240));
  EXPECT_EQ(proc.Terminate(), 0);
  ExpectSameAlerts(got);
}

}  // namespace
}  // namespace vw::testing
