// The deployment paths against the real broker (issue 24):
//  - the pipeline over a SASL_SSL listener (SASL/PLAIN over TLS, certificates from a CA made with
//    openssl by scripts/kafka-local), the way Event Hubs' Kafka endpoint is reached, with the
//    password from kafka.sasl_password_file; its OCSF alerts equal `detect --alert-format ocsf`;
//  - a wrong password: authentication fails, the instance never becomes ready, and the log never
//    shows the password;
//  - monitoring: a real /metrics scrape passes `promtool check metrics` and has every metric the
//    Grafana dashboard and the Prometheus rules use; a real Prometheus scraping the pipeline
//    evaluates every dashboard query and rule (deploy/monitoring,
//    tests/deploy/check_monitoring.py).
//
// Needs the broker started with a SASL_SSL listener: scripts/test does it (VW_KAFKA_SASL_SSL_PORT)
// and exports what `scripts/kafka-local sasl-ssl-env` prints.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/pipeline_harness.h"
#include "tests/support/http_get.h"
#include "tests/support/text_files.h"

namespace vw::testing {
namespace {

using std::chrono::seconds;

int FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

bool WaitForHttp(int port, const std::string& path, const std::string& want, seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (HttpGet(port, path).find(want) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

std::string Body(const std::string& response) {
  size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

class DeployTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(Env("VW_KAFKA_BOOTSTRAP").empty())
        << "VW_KAFKA_BOOTSTRAP is not set: start a broker with scripts/kafka-local start";
    ASSERT_FALSE(Env("VW_KAFKA_SASL_SSL_BOOTSTRAP").empty())
        << "no SASL_SSL listener: start the broker with VW_KAFKA_SASL_SSL_PORT=<port> "
           "scripts/kafka-local start and export what `scripts/kafka-local sasl-ssl-env` prints";
    ASSERT_TRUE(std::filesystem::exists(Env("VW_KAFKA_SASL_SSL_CA")));
    bin_ = Env("VW_BINARY_DIR") + "/apps/vaultwatch";
    ASSERT_TRUE(std::filesystem::exists(bin_));
  }

  // The pipeline config of `setup` rewritten to reach the broker only through SASL_SSL.
  void WriteSaslConfig(const PipelineSetup& setup, const std::string& password, int metrics_port) {
    std::ofstream(setup.dir + "/sasl-password") << password << "\n";
    std::ofstream out(setup.config_path, std::ios::trunc);
    out << "application_id: " << setup.app << "\n"
        << "stages: [ingest, vault, caller]\n"
        << "commit_interval_ms: 100\n"
        << "alert_format: ocsf\n"
        // A preloaded input compared with detect: canonical order, as pipeline_test does.
        << PipelineSetup::kReplaySettings << "metrics: {address: 127.0.0.1, port: " << metrics_port
        << "}\n"
        << "topics:\n"
        << "  raw: {name: " << setup.raw << ", partitions: 1}\n"
        << "  by_vault: {name: " << setup.by_vault << ", partitions: " << setup.partitions << "}\n"
        << "  by_caller: {name: " << setup.by_caller << ", partitions: " << setup.partitions
        << "}\n"
        << "  alerts: {name: " << setup.alerts << ", partitions: " << setup.partitions << "}\n"
        << "  deadletter: {name: " << setup.dlq << ", partitions: 1}\n"
        << "  feedback: {name: " << setup.feedback << ", partitions: 1}\n"
        << "kafka:\n"
        << "  bootstrap_servers: " << Env("VW_KAFKA_SASL_SSL_BOOTSTRAP") << "\n"
        << "  sasl_password_file: sasl-password\n"
        << "  common:\n"
        << "    security.protocol: SASL_SSL\n"
        << "    sasl.mechanism: PLAIN\n"
        << "    sasl.username: " << Env("VW_KAFKA_SASL_USER") << "\n"
        << "    ssl.ca.location: " << Env("VW_KAFKA_SASL_SSL_CA") << "\n"
        << "    ssl.endpoint.identification.algorithm: https\n"
        << "  consumer: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}\n";
  }

  std::string bin_;
};

TEST_F(DeployTest, PipelineOverSaslSslPublishesOcsfAlertsAndServesMetrics) {
  const std::string plain = Env("VW_KAFKA_BOOTSTRAP");
  PipelineSetup setup("vw-it-sasl", plain, 3, "ingest, vault, caller", "");
  // Expected: the embedded detect over the same input, rendered as OCSF.
  const std::string raw = setup.dir + "/raw.ndjson";
  ASSERT_EQ(RunToCompletion({bin_, "generate", "--seed", "11", "--days", "10", "--history-days",
                             "8", "--events-per-day", "1200", "--output", raw, "--labels",
                             setup.dir + "/labels.jsonl", "--quiet"},
                            setup.dir + "/generate.log", Env("VW_SOURCE_DIR")),
            0);
  ASSERT_EQ(RunToCompletion({bin_, "detect", "--input", raw, "--output", setup.dir + "/expected",
                             "--no-progress", "--alert-format", "ocsf"},
                            setup.dir + "/detect.log", Env("VW_SOURCE_DIR")),
            0);
  std::vector<std::string> expected = Lines(ReadFile(setup.dir + "/expected"));
  ASSERT_GE(expected.size(), 10u) << "the input yields too few alerts: the test would prove little";
  std::sort(expected.begin(), expected.end());

  const int metrics_port = FreePort();
  WriteSaslConfig(setup, Env("VW_KAFKA_SASL_PASSWORD"), metrics_port);
  // Topics and input go through the plaintext listener (test fixtures); the pipeline itself is
  // configured with the SASL_SSL listener only.
  ASSERT_TRUE(setup.CreateTopics().ok());
  ASSERT_TRUE(Feed(plain, setup.raw, 1, Lines(ReadFile(raw)), 50, true).ok());
  Child proc = setup.Start("0");
  ASSERT_TRUE(WaitForHttp(metrics_port, "/readyz", " 200 ", seconds(120)))
      << "not ready over SASL_SSL; see " << setup.dir;
  std::vector<std::string> got =
      ReadCommitted(plain, setup.alerts, setup.partitions, expected.size(), seconds(180));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected)
      << "OCSF alerts over SASL_SSL differ from detect --alert-format ocsf";
  for (const std::string& a : got) {
    ASSERT_NE(a.find("\"class_uid\":2004"), std::string::npos) << a;
  }

  // Monitoring against this running pipeline.
  const std::string scrape = setup.dir + "/metrics.txt";
  std::string metrics = Body(HttpGet(metrics_port, "/metrics"));
  ASSERT_NE(metrics.find("vaultwatch_alerts_total{type="), std::string::npos) << metrics;
  std::ofstream(scrape) << metrics;
  const std::string src = Env("VW_SOURCE_DIR");
  EXPECT_EQ(RunToCompletion({"bash", "-c", "promtool check metrics < " + scrape},
                            setup.dir + "/promtool.log", src),
            0)
      << ReadFile(setup.dir + "/promtool.log");
  EXPECT_EQ(RunToCompletion({"python3", src + "/tests/deploy/check_monitoring.py", "scrape",
                             src + "/deploy/monitoring", scrape},
                            setup.dir + "/check-scrape.log", src),
            0)
      << ReadFile(setup.dir + "/check-scrape.log");

  // A real Prometheus scraping the pipeline every second, with the alerting rules loaded.
  const int prom_port = FreePort();
  std::ofstream(setup.dir + "/prometheus.yml")
      << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
      << "rule_files: [" << src << "/deploy/monitoring/prometheus-rules.yaml]\n"
      << "scrape_configs:\n"
      << "  - job_name: vaultwatch\n"
      << "    static_configs: [{targets: ['127.0.0.1:" << metrics_port << "']}]\n";
  Child prom({"prometheus", "--config.file=" + setup.dir + "/prometheus.yml",
              "--storage.tsdb.path=" + setup.dir + "/prom-data",
              "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
             setup.dir + "/prometheus.log", setup.dir);
  // check_monitoring.py waits for the first scrapes (up == 1, then enough for rate() windows).
  EXPECT_EQ(
      RunToCompletion({"python3", src + "/tests/deploy/check_monitoring.py", "query",
                       src + "/deploy/monitoring", "http://127.0.0.1:" + std::to_string(prom_port)},
                      setup.dir + "/check-query.log", src),
      0)
      << ReadFile(setup.dir + "/check-query.log");
  std::printf("%s%s", ReadFile(setup.dir + "/check-scrape.log").c_str(),
              ReadFile(setup.dir + "/check-query.log").c_str());
  EXPECT_EQ(prom.Terminate(), 0);
  EXPECT_EQ(proc.Terminate(), 0) << "SIGTERM must stop the pipeline cleanly";
  EXPECT_EQ(ReadFile(setup.dir + "/run-0.log").find(Env("VW_KAFKA_SASL_PASSWORD")),
            std::string::npos)
      << "the SASL password appears in the log";
}

TEST_F(DeployTest, WrongSaslPasswordIsReportedWithoutTheSecret) {
  PipelineSetup setup("vw-it-sasl-bad", Env("VW_KAFKA_BOOTSTRAP"), 1, "ingest", "");
  ASSERT_TRUE(setup.CreateTopics().ok());
  const std::string wrong = "not-the-password-7f3a9c";
  const int metrics_port = FreePort();
  WriteSaslConfig(setup, wrong, metrics_port);
  Child proc = setup.Start("0");
  const std::string log = setup.dir + "/run-0.log";
  EXPECT_TRUE(WaitForLogLine(log, "Authentication failed", seconds(60))) << ReadFile(log);
  EXPECT_TRUE(WaitForHttp(metrics_port, "/metrics", "vaultwatch_ready 0", seconds(10)));
  EXPECT_EQ(HttpGet(metrics_port, "/readyz").find(" 200 "), std::string::npos);
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = proc.Terminate();
  // SIGTERM while start-up keeps failing must still stop the process cleanly (Kubernetes would
  // otherwise SIGKILL it after the grace period).
  EXPECT_EQ(rc, 0) << "SIGTERM did not stop an instance that cannot authenticate within 30 s";
  std::printf("unauthenticated instance: SIGTERM -> exit %d after %lld ms\n", rc,
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - t0)
                                         .count()));
  EXPECT_EQ(ReadFile(log).find(wrong), std::string::npos) << "the SASL password appears in the log";
}

}  // namespace
}  // namespace vw::testing
