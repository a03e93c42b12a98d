// KafkaSink against the real broker (VW_KAFKA_BOOTSTRAP, set by scripts/test): every message the
// generator writes arrives, in order, byte for byte as the file output has it.
#include "generator/kafka_sink.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "base/clock.h"
#include "generator/generator.h"
#include "generator/tests/test_util.h"
#include "kafka/consumer.h"

namespace vw::gen {
namespace {

TEST(KafkaSinkTest, ParsesUrls) {
  auto t = ParseKafkaUrl("kafka://127.0.0.1:19092,127.0.0.1:19093/kv.audit.raw");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->bootstrap, "127.0.0.1:19092,127.0.0.1:19093");
  EXPECT_EQ(t->topic, "kv.audit.raw");
  EXPECT_FALSE(ParseKafkaUrl("kafka://host:1").ok());
  EXPECT_FALSE(ParseKafkaUrl("kafka:///topic").ok());
  EXPECT_FALSE(ParseKafkaUrl("kafka://h:1/a/b").ok());
  EXPECT_FALSE(ParseKafkaUrl("file.ndjson").ok());
}

TEST(KafkaSinkTest, EveryMessageArrivesInOrder) {
  const char* bootstrap = std::getenv("VW_KAFKA_BOOTSTRAP");
  ASSERT_NE(bootstrap, nullptr)
      << "VW_KAFKA_BOOTSTRAP must name the test broker (scripts/test sets it)";
  GeneratorOptions o = testing::SmallOptions();
  o.days = 1;
  o.history_days = 0;
  o.scenarios = "none";
  o.events_per_day = 5000;
  o.envelope = true;
  o.envelope_size = 20;

  auto expected_gen = Generator::Create(o);
  ASSERT_TRUE(expected_gen.ok()) << expected_gen.status();
  testing::StringSink expected;
  ASSERT_TRUE((*expected_gen)->Run(expected).ok());

  const std::string topic =
      "vw.test.generator." + std::to_string(SystemClock::Default()->NowMicros());
  auto sink = KafkaSink::Open({bootstrap, topic}, 1);
  ASSERT_TRUE(sink.ok()) << sink.status();
  auto g = Generator::Create(o);
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE((*g)->Run(**sink).ok());
  EXPECT_EQ((*sink)->produced(), (*g)->stats().messages);

  auto consumer = kafka::Consumer::Create({{"bootstrap.servers", bootstrap}, {"group.id", topic}});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  Status assigned = (*consumer)->Assign({{{topic, PartitionId(0)}, KafkaOffset(-2)}});
  ASSERT_TRUE(assigned.ok()) << assigned;
  std::vector<kafka::Message> got;
  const int64_t deadline = SystemClock::Default()->MonotonicMicros() + 60 * 1000000LL;
  while (got.size() < expected.message_ends.size() &&
         SystemClock::Default()->MonotonicMicros() < deadline) {
    ASSERT_TRUE((*consumer)->Poll(500, 10000, &got).ok());
  }
  ASSERT_EQ(got.size(), expected.message_ends.size());
  size_t begin = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    std::string_view want(expected.text.data() + begin,
                          expected.message_ends[i] - begin - 1);  // no '\n'
    ASSERT_EQ(got[i].value(), want) << "message " << i;
    begin = expected.message_ends[i];
  }
  EXPECT_TRUE((*consumer)->Close().ok());
}

}  // namespace
}  // namespace vw::gen
