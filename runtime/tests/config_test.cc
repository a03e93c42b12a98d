#include "runtime/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

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

// docs/operations.md's configuration table documents every field of the declared table: a key
// added to config.cc without its line there fails here.
TEST(PipelineConfigTest, OperationsGuideDocumentsEveryKey) {
  const char* src = std::getenv("VW_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  std::ifstream in(std::string(src) + "/docs/operations.md");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const std::string grouped = "`topics.{raw,by_vault,by_caller,alerts,deadletter}`";
  for (const auto& f : PipelineConfigTable()) {
    if (doc.find("| `" + f.name + "`") != std::string::npos) continue;
    if (f.name.rfind("kafka.", 0) == 0 &&
        doc.find("`kafka." + f.name.substr(6)) != std::string::npos)
      continue;
    if (f.name.rfind("topics.", 0) == 0 && grouped.find(f.name.substr(7)) != std::string::npos &&
        doc.find(grouped) != std::string::npos)
      continue;
    ADD_FAILURE() << "docs/operations.md does not document '" << f.name << "'";
  }
}

}  // namespace
}  // namespace vw::runtime
