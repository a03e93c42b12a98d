#include "runtime/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/pipeline.h"

namespace vw::runtime {
namespace {

TEST(PipelineConfigTest, DefaultsAreValid) {
  auto c = ParsePipelineConfig("", "empty.yaml", "");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->commit_interval_ms, 100);
  EXPECT_EQ(c->metrics_address, "127.0.0.1");
  EXPECT_EQ(c->stages.size(), 3u);
  EXPECT_EQ(c->alert_format, "defender");
  auto ocsf = ParsePipelineConfig("alert_format: ocsf", "p.yaml", "");
  ASSERT_TRUE(ocsf.ok()) << ocsf.status();
  EXPECT_EQ(ocsf->alert_format, "ocsf");
}

TEST(PipelineConfigTest, ReadsNestedKeysAndPassthrough) {
  auto c = ParsePipelineConfig(R"(
application_id: app
stages: [ingest]
commit_interval_ms: 250
detect_config: detect.yaml
topics:
  raw: {name: in, partitions: 3}
kafka:
  bootstrap_servers: b:9092
  common: {security.protocol: SASL_SSL, sasl.password: hunter2}
  consumer: {fetch.min.bytes: 1024}
  producer: {linger.ms: 20}
)",
                               "p.yaml", "/etc/vw");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->application_id, "app");
  EXPECT_EQ(c->commit_interval_ms, 250);
  EXPECT_EQ(c->raw.name, "in");
  EXPECT_EQ(c->raw.partitions, 3);
  EXPECT_EQ(c->detect_config, "/etc/vw/detect.yaml");
  kafka::Config cc = c->ConsumerConfig();
  EXPECT_EQ(cc["bootstrap.servers"], "b:9092");
  EXPECT_EQ(cc["security.protocol"], "SASL_SSL");
  EXPECT_EQ(cc["fetch.min.bytes"], "1024");
  kafka::Config pc = c->ProducerConfig();
  EXPECT_EQ(pc["linger.ms"], "20");
  EXPECT_EQ(pc["sasl.password"], "hunter2");
  EXPECT_EQ(pc.count("fetch.min.bytes"), 0u);
}

// The detector stages' changelog records (reorder-buffer segments up to 256 KiB) must fit the
// producer's message.max.bytes: refused at start-up, not as aborts for ever at the first busy key.
TEST(PipelineConfigTest, RefusesAMessageSizeTheDetectorChangelogsCannotFit) {
  auto small =
      ParsePipelineConfig("kafka: {producer: {message.max.bytes: '100000'}}", "p.yaml", "");
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.status().message().find("message.max.bytes = 100000"), std::string::npos)
      << small.status();
  auto common = ParsePipelineConfig("kafka: {common: {message.max.bytes: '100000'}}", "p.yaml", "");
  EXPECT_FALSE(common.ok()) << "set for both clients, it still reaches the producer";
  EXPECT_TRUE(
      ParsePipelineConfig("stages: [ingest]\nkafka: {producer: {message.max.bytes: '100000'}}",
                          "p.yaml", "")
          .ok())
      << "the ingest stage writes no changelog";
  EXPECT_TRUE(ParsePipelineConfig("kafka: {producer: {message.max.bytes: '" +
                                      std::to_string(kMinDetectorMessageBytes) + "'}}",
                                  "p.yaml", "")
                  .ok());
}

TEST(PipelineConfigTest, RejectsUnknownKeysBadValuesAndOwnedProperties) {
  EXPECT_FALSE(ParsePipelineConfig("comit_interval_ms: 5", "p.yaml", "").ok());
  EXPECT_FALSE(ParsePipelineConfig("commit_interval_ms: 0", "p.yaml", "").ok());
  EXPECT_FALSE(ParsePipelineConfig("commit_interval_ms: soon", "p.yaml", "").ok());
  EXPECT_FALSE(ParsePipelineConfig("stages: [ingest, nope]", "p.yaml", "").ok());
  auto owned = ParsePipelineConfig("kafka: {consumer: {enable.auto.commit: 'true'}}", "p.yaml", "");
  ASSERT_FALSE(owned.ok());
  EXPECT_NE(owned.status().message().find("enable.auto.commit"), std::string::npos);
  auto format = ParsePipelineConfig("alert_format: cef", "p.yaml", "");
  ASSERT_FALSE(format.ok());
  EXPECT_NE(format.status().message().find("defender, ocsf, ecs"), std::string::npos);
  auto unknown = ParsePipelineConfig("topics: {raw: {name: x, partitons: 2}}", "p.yaml", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("topics.raw.partitons"), std::string::npos);
}

TEST(PipelineConfigTest, SaslPasswordFromFileOrEnvironment) {
  const std::string dir = ::testing::TempDir();
  {
    std::ofstream out(dir + "/sasl-password");
    out << "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=abc\n";
  }
  auto c = ParsePipelineConfig("kafka: {sasl_password_file: sasl-password}", "p.yaml", dir);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ProducerConfig().at("sasl.password"),
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=abc");
  EXPECT_EQ(c->ConsumerConfig().at("sasl.password"), c->common.at("sasl.password"));
  EXPECT_EQ(c->AdminConfig().at("sasl.password"), c->common.at("sasl.password"));

  ::setenv("VW_TEST_SASL_PASSWORD", "from-env", 1);
  auto e = ParsePipelineConfig("kafka: {sasl_password_env: VW_TEST_SASL_PASSWORD}", "p.yaml", "");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->common.at("sasl.password"), "from-env");
  ::unsetenv("VW_TEST_SASL_PASSWORD");

  // Failures name the file or variable and never carry a password.
  auto missing = ParsePipelineConfig("kafka: {sasl_password_file: nope}", "p.yaml", dir);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  auto unset =
      ParsePipelineConfig("kafka: {sasl_password_env: VW_TEST_SASL_PASSWORD}", "p.yaml", "");
  ASSERT_FALSE(unset.ok());
  EXPECT_NE(unset.status().message().find("VW_TEST_SASL_PASSWORD"), std::string::npos);
  auto both = ParsePipelineConfig(
      "kafka: {sasl_password_file: sasl-password, common: {sasl.password: inline}}", "p.yaml", dir);
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().ToString().find("SharedAccessKey"), std::string::npos);
  EXPECT_EQ(both.status().ToString().find("inline"), std::string::npos);
}

// The reference operators read is the declared table itself: a key added to runtime/config.cc
// without regenerating configs/pipeline-reference.md fails here.
TEST(PipelineConfigTest, ReferenceFileIsCurrent) {
  const char* src = std::getenv("VW_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  std::ifstream in(std::string(src) + "/configs/pipeline-reference.md");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), PipelineConfigReferenceMarkdown())
      << "configs/pipeline-reference.md is stale: regenerate with `vaultwatch config-reference "
         "--pipeline`";
  for (const auto& f : PipelineConfigTable()) {
    EXPECT_NE(ss.str().find("| `" + f.name + "`"), std::string::npos) << f.name;
  }
}

// The usual mistake: the key itself where the variable's name belongs. It is refused, and the
// value is in no message (start-up once printed "environment variable <the key> ... unset").
TEST(PipelineConfigTest, KeyEnvMustBeAVariableNameAndIsNeverEchoed) {
  const std::string key = "c2VjcmV0LWtleS0xMjM0NTY3OA==";
  for (const std::string mode : {"none", "state", "alerts"}) {
    auto r = ParsePipelineConfig("privacy: {pseudonymise: " + mode + ", key_env: '" + key + "'}",
                                 "p.yaml", "");
    ASSERT_FALSE(r.ok()) << mode;
    EXPECT_NE(r.status().message().find("privacy.key_env"), std::string::npos) << r.status();
    EXPECT_EQ(r.status().ToString().find(key), std::string::npos) << r.status();
    EXPECT_EQ(r.status().ToString().find("c2VjcmV0"), std::string::npos);
  }
  PipelineConfig c;
  c.pseudonymise = "state";
  c.key_env = "hex-key-0123456789abcdef";
  Status s = CheckPipelineInputs(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.ToString().find(c.key_env), std::string::npos) << s;
  EXPECT_TRUE(ParsePipelineConfig("privacy: {key_env: MY_KEY_2}", "p.yaml", "").ok());
  EXPECT_TRUE(ParsePipelineConfig("privacy: {key_env: _K}", "p.yaml", "").ok());
  // An alphanumeric key is refused too (once echoed as "environment variable <key> unset").
  EXPECT_FALSE(
      ParsePipelineConfig("privacy: {key_env: Zm9vYmFyLXNlY3JldC1rZXktMTIzNDU2}", "p.yaml", "")
          .ok());
}

// --check-config prints the effective settings; secret-bearing values are masked.
TEST(PipelineConfigTest, DescriptionMasksSecrets) {
  auto c = ParsePipelineConfig(R"(
kafka:
  common: {security.protocol: SASL_SSL, sasl.password: hunter2-connection-string}
  producer: {ssl.key.password: pem-pass-99}
)",
                               "p.yaml", "/etc/vw");
  ASSERT_TRUE(c.ok()) << c.status();
  std::string d = DescribePipelineConfig(*c);
  EXPECT_EQ(d.find("hunter2"), std::string::npos) << d;
  EXPECT_EQ(d.find("pem-pass-99"), std::string::npos) << d;
  EXPECT_NE(d.find("kafka.consumer.sasl.password: ***\n"), std::string::npos) << d;
  EXPECT_NE(d.find("kafka.producer.ssl.key.password: ***\n"), std::string::npos) << d;
  EXPECT_NE(d.find("kafka.consumer.security.protocol: SASL_SSL\n"), std::string::npos) << d;
  EXPECT_NE(d.find("commit_interval_ms: 100\n"), std::string::npos) << d;
}

TEST(PipelineConfigTest, RelativePathsAreRelativeToTheFile) {
  auto c = ParsePipelineConfig("state_dir: state\ndetect_config: d.yaml\n", "p.yaml", "/etc/vw");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->state_dir, "/etc/vw/state");
  EXPECT_EQ(c->detect_config, "/etc/vw/d.yaml");
}

class StartupCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("vw-startup-check-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "lists");
    for (const char* f : {"tor.txt", "bad.txt", "ms.txt"}) {
      std::ofstream(dir_ / "lists" / f) << "192.0.2.1\n";
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

// A list a stage needs is missing: start-up stops naming the file and the key (the workers once
// failed and restarted every 2 s for ever while the process kept running).
TEST_F(StartupCheckTest, MissingThreatIntelListNamesFileAndKey) {
  Write("detect.yaml",
        "threat_intel: {tor_file: lists/tor.txt, suspicious_file: lists/gone.txt, "
        "microsoft_file: lists/ms.txt}\n");
  Write("pipeline.yaml", "detect_config: detect.yaml\n");
  auto c = LoadPipelineConfig((dir_ / "pipeline.yaml").string());
  ASSERT_TRUE(c.ok()) << c.status();
  Status s = CheckPipelineInputs(*c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("threat_intel.suspicious_file"), std::string::npos) << s;
  EXPECT_NE(s.message().find((dir_ / "lists/gone.txt").string()), std::string::npos) << s;
  // The ingest stage alone needs no lists.
  c->stages = {"ingest"};
  EXPECT_TRUE(CheckPipelineInputs(*c).ok());

  Write("detect.yaml",
        "threat_intel: {tor_file: lists/tor.txt, suspicious_file: lists/bad.txt, "
        "microsoft_file: lists/ms.txt}\n");
  c->stages = {"vault"};
  std::string effective;
  s = CheckPipelineInputs(*c, &effective);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_NE(effective.find((dir_ / "lists/bad.txt").string()), std::string::npos) << effective;
}

// Without a detector file the built-in defaults' lists are found outside a checkout too.
TEST_F(StartupCheckTest, DefaultListsAreFoundFromAnyWorkingDirectory) {
  auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  PipelineConfig c;
  Status s = CheckPipelineInputs(c);
  std::filesystem::current_path(old);
  EXPECT_TRUE(s.ok()) << s;
}

}  // namespace
}  // namespace vw::runtime
