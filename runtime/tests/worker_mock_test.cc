// StageWorker's error-class handling against librdkafka's mock cluster (rdkafka_mock.h), which
// injects broker errors into the real client: a transaction that becomes abortable is aborted and
// its input rewound (no new producer); a fenced producer (fatal) is replaced; a transient
// coordinator error is retried by the client without an abort. In every case the worker goes on
// and commits its input to the end. Exactly-once output (read_committed, aborted records hidden)
// needs a real broker and is tested in tests/integration; the mock does not filter aborted data.
// Nor does it keep offsets committed in a transaction (2.0.2 acknowledges TxnOffsetCommit and
// drops it), so a rewind always goes to the beginning: errors are injected into the first
// transaction, where "committed" is the beginning, and the records each committed transaction
// counted (Metrics) must add up to the input exactly once.
// Also the Restorer (the worker's restore threads): cancel, queue, results.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "runtime/metrics.h"
#include "runtime/restorer.h"
#include "runtime/worker.h"

namespace vw::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Kafka protocol request keys (rdkafka_protocol.h is not installed).
constexpr int16_t kProduce = 0;
constexpr int16_t kEndTxn = 26;

constexpr int kRecords = 400;
constexpr int kPartitions = 2;

class MockCluster {
 public:
  MockCluster() {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (rk_ == nullptr) return;
    mc_ = rd_kafka_mock_cluster_new(rk_, 1);
    rd_kafka_mock_topic_create(mc_, "in", kPartitions, 1);
    rd_kafka_mock_topic_create(mc_, "out", kPartitions, 1);
  }
  ~MockCluster() {
    if (mc_ != nullptr) rd_kafka_mock_cluster_destroy(mc_);
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }
  rd_kafka_mock_cluster_t* get() const { return mc_; }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(mc_); }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
};

// Copies each input record to "out": the transaction carries output and input offsets.
class CopyTask final : public PartitionTask {
 public:
  Status Process(const kafka::Message& m, Emitter& out, CounterDelta* counters) override {
    ++counters->events_in;
    return out.Emit("out", std::nullopt, m.key(), m.value());
  }
};

class CopyFactory final : public TaskFactory {
 public:
  Result<std::unique_ptr<PartitionTask>> Open(const kafka::TopicPartition&, KafkaOffset) override {
    return std::unique_ptr<PartitionTask>(new CopyTask());
  }
};

uint64_t Counter(const Metrics& metrics, const std::string& name) {
  const std::string text = metrics.RenderPrometheus();
  const size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + name.size() + 2, nullptr, 10);
}

class WorkerMockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(cluster_.get(), nullptr);
    auto producer = kafka::Producer::Create({{"bootstrap.servers", cluster_.bootstrap()}});
    ASSERT_TRUE(producer.ok()) << producer.status();
    ASSERT_TRUE((*producer)->WaitForTopic("in", kPartitions, 10000).ok());
    for (int i = 0; i < kRecords; ++i) {
      ASSERT_TRUE((*producer)
                      ->Produce("in", PartitionId(i % kPartitions), "k" + std::to_string(i),
                                "v" + std::to_string(i))
                      .ok());
    }
    ASSERT_TRUE((*producer)->Flush(10000).ok());
  }

  WorkerOptions Options() const {
    WorkerOptions o;
    o.name = "copy/0";
    o.input_topic = "in";
    o.consumer_config = {{"bootstrap.servers", cluster_.bootstrap()},
                         {"group.id", "copy"},
                         {"auto.offset.reset", "earliest"}};
    o.producer_config = {{"bootstrap.servers", cluster_.bootstrap()},
                         {"transactional.id", "copy-0"},
                         {"transaction.timeout.ms", "10000"}};
    o.commit_interval_ms = 50;
    o.max_poll_records = 50;  // several transactions, so that errors land mid-stream
    o.txn_retry_budget_ms = 5000;
    o.aborts.first_backoff = milliseconds(10);
    o.aborts.max_backoff = milliseconds(100);
    return o;
  }

  // Runs the worker until the records it committed count every input record (Metrics counts a
  // transaction's records when it commits; an aborted one's are dropped), or `timeout`; returns
  // whether they did, with Run's status in *run.
  bool RunUntilCommitted(StageWorker& worker, seconds timeout, Status* run) {
    std::atomic<bool> stop{false};
    std::thread t([&] { *run = worker.Run(stop); });
    for (auto deadline = std::chrono::steady_clock::now() + timeout;
         metrics_.events_in() < static_cast<uint64_t>(kRecords) &&
         std::chrono::steady_clock::now() < deadline;) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    std::this_thread::sleep_for(milliseconds(500));  // a record counted twice would show now
    stop.store(true);
    t.join();
    return metrics_.events_in() >= static_cast<uint64_t>(kRecords);
  }

  MockCluster cluster_;
  CopyFactory factory_;
  Metrics metrics_;
};

TEST_F(WorkerMockTest, CommitsEveryRecordWithoutErrors) {
  StageWorker worker(Options(), &factory_, &metrics_);
  Status run;
  EXPECT_TRUE(RunUntilCommitted(worker, seconds(60), &run));
  EXPECT_TRUE(run.ok()) << run;
  EXPECT_EQ(metrics_.events_in(), static_cast<uint64_t>(kRecords)) << "committed once each";
  EXPECT_EQ(Counter(metrics_, "vaultwatch_transactions_aborted_total"), 0u);
  EXPECT_EQ(Counter(metrics_, "vaultwatch_producer_recreations_total"), 0u);
}

// A record the broker refuses for good (authorization) makes the transaction abortable: the
// worker aborts, rewinds to the committed offsets and redoes the work with the same producer.
TEST_F(WorkerMockTest, AbortableErrorAbortsRewindsAndKeepsTheProducer) {
  rd_kafka_mock_push_request_errors(cluster_.get(), kProduce, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  StageWorker worker(Options(), &factory_, &metrics_);
  Status run;
  EXPECT_TRUE(RunUntilCommitted(worker, seconds(60), &run));
  EXPECT_TRUE(run.ok()) << run;
  EXPECT_EQ(metrics_.events_in(), static_cast<uint64_t>(kRecords)) << "committed once each";
  EXPECT_GE(Counter(metrics_, "vaultwatch_transactions_aborted_total"), 1u);
  EXPECT_EQ(Counter(metrics_, "vaultwatch_producer_recreations_total"), 0u);
}

// The coordinator says another producer with our transactional.id took over (fenced, fatal): the
// worker creates a new producer (which fences in turn), rewinds and goes on.
TEST_F(WorkerMockTest, FencedProducerIsReplacedAndTheWorkRedone) {
  rd_kafka_mock_push_request_errors(cluster_.get(), kEndTxn, 1, RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
  StageWorker worker(Options(), &factory_, &metrics_);
  Status run;
  EXPECT_TRUE(RunUntilCommitted(worker, seconds(60), &run));
  EXPECT_TRUE(run.ok()) << run;
  EXPECT_EQ(metrics_.events_in(), static_cast<uint64_t>(kRecords)) << "committed once each";
  EXPECT_GE(Counter(metrics_, "vaultwatch_transactions_aborted_total"), 1u);
  EXPECT_GE(Counter(metrics_, "vaultwatch_producer_recreations_total"), 1u);
}

// A commit that times out (the coordinator answers after the call's timeout) is retriable: the
// worker calls commit_transaction again, which completes it; no abort, no new producer.
TEST_F(WorkerMockTest, CommitTimeoutIsRetriedWithoutAbort) {
  ASSERT_EQ(rd_kafka_mock_broker_push_request_error_rtts(cluster_.get(), 1, kEndTxn, 1,
                                                         RD_KAFKA_RESP_ERR_NO_ERROR, 3000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  WorkerOptions o = Options();
  o.call_timeout_ms = 1000;
  StageWorker worker(o, &factory_, &metrics_);
  Status run;
  EXPECT_TRUE(RunUntilCommitted(worker, seconds(60), &run));
  EXPECT_TRUE(run.ok()) << run;
  EXPECT_EQ(metrics_.events_in(), static_cast<uint64_t>(kRecords)) << "committed once each";
  EXPECT_EQ(Counter(metrics_, "vaultwatch_transactions_aborted_total"), 0u);
  EXPECT_EQ(Counter(metrics_, "vaultwatch_producer_recreations_total"), 0u);
}

// A job that runs until cancelled, or until released.
class BlockingJob final : public RestoreJob {
 public:
  explicit BlockingJob(std::atomic<bool>* release, std::atomic<int>* started)
      : release_(release), started_(started) {}
  Status Run(const std::atomic<bool>& cancel) override {
    started_->fetch_add(1);
    while (!cancel.load() && !release_->load()) std::this_thread::sleep_for(milliseconds(5));
    return cancel.load() ? Status::Cancelled("cancelled") : Status::OK();
  }

 private:
  std::atomic<bool>* release_;
  std::atomic<int>* started_;
};

std::vector<std::pair<kafka::TopicPartition, Status>> WaitFinished(Restorer& r, size_t n) {
  std::vector<std::pair<kafka::TopicPartition, Status>> all;
  for (int i = 0; i < 1000 && all.size() < n; ++i) {
    for (auto& f : r.TakeFinished()) all.push_back(std::move(f));
    std::this_thread::sleep_for(milliseconds(5));
  }
  return all;
}

TEST(RestorerTest, RunsJobsConcurrentlyAndCancelsOneWithoutReportingIt) {
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  Restorer restorer(2);
  const kafka::TopicPartition a{"t", PartitionId(0)}, b{"t", PartitionId(1)},
      c{"t", PartitionId(2)};
  restorer.Submit(a, std::make_unique<BlockingJob>(&release, &started));
  restorer.Submit(b, std::make_unique<BlockingJob>(&release, &started));
  restorer.Submit(c, std::make_unique<BlockingJob>(&release, &started));
  for (int i = 0; i < 1000 && started.load() < 2; ++i) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(started.load(), 2) << "two threads: a third job waits in the queue";
  restorer.Cancel(a);  // running: cancelled and waited for; then c starts
  for (int i = 0; i < 1000 && started.load() < 3; ++i) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(started.load(), 3);
  release.store(true);
  auto finished = WaitFinished(restorer, 2);
  ASSERT_EQ(finished.size(), 2u);
  for (const auto& [tp, s] : finished) {
    EXPECT_NE(tp, a) << "a cancelled job is not reported";
    EXPECT_TRUE(s.ok()) << s;
  }
}

TEST(RestorerTest, CancellingAQueuedJobDropsIt) {
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  Restorer restorer(1);
  const kafka::TopicPartition a{"t", PartitionId(0)}, b{"t", PartitionId(1)};
  restorer.Submit(a, std::make_unique<BlockingJob>(&release, &started));
  restorer.Submit(b, std::make_unique<BlockingJob>(&release, &started));
  restorer.Cancel(b);
  release.store(true);
  auto finished = WaitFinished(restorer, 1);
  std::this_thread::sleep_for(milliseconds(50));
  for (auto& f : restorer.TakeFinished()) finished.push_back(std::move(f));
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].first, a);
  EXPECT_EQ(started.load(), 1);
}

}  // namespace
}  // namespace vw::runtime
