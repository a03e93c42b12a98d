// Everything the generator writes must be accepted by ingest (processors/ingest), with the meaning
// the scenarios rely on: identity types, outcomes, targets and access-policy changes.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "generator/generator.h"
#include "generator/tests/test_util.h"
#include "processors/ingest/ingest.h"
#include "tests/support/record_sink.h"

namespace vw::gen {
namespace {

std::string GenerateText(const GeneratorOptions& o) {
  auto g = Generator::Create(o);
  EXPECT_TRUE(g.ok()) << g.status();
  testing::StringSink sink;
  EXPECT_TRUE((*g)->Run(sink).ok());
  return sink.text;
}

TEST(IngestCompatTest, EveryGeneratedRecordIsAcceptedWithItsMeaning) {
  GeneratorOptions o = testing::SmallOptions();
  o.days = 3;
  o.history_days = 2;
  std::string text = GenerateText(o);
  ingest::Ingestor ingestor;
  ::vw::testing::CollectingRecordSink sink;
  v1::SourcePosition base;
  base.set_source("gen.ndjson");
  base.set_partition(-1);
  ingestor.Ingest(text, base, sink);
  ASSERT_TRUE(sink.dead_letters.empty())
      << sink.dead_letters.size() << " dead letters, first: " << sink.dead_letters[0].reason << "\n"
      << sink.dead_letters[0].raw.substr(0, 600);
  EXPECT_EQ(ingestor.counters().deadlettered, 0u);
  EXPECT_EQ(ingestor.counters().skipped, 0u);
  ASSERT_GT(sink.events.size(), 1000u);
  EXPECT_EQ(ingestor.counters().accepted, sink.events.size());

  std::map<v1::IdentityType, int> identity_types;
  std::map<v1::Outcome, int> outcomes;
  int policy_adds = 0, unknown_ops = 0, secret_targets = 0, no_caller = 0;
  for (const v1::AccessEvent& e : sink.events) {
    ++outcomes[e.outcome()];
    if (e.operation() == v1::OPERATION_UNKNOWN) ++unknown_ops;
    EXPECT_NE(e.vault_id().find("/providers/microsoft.keyvault/vaults/kv-"), std::string::npos)
        << e.vault_id();
    if (e.operation() == v1::OP_AUTHENTICATION) {
      EXPECT_EQ(e.outcome(), v1::OUTCOME_AUTH_CHALLENGE);
      continue;
    }
    ++identity_types[e.caller().identity_type()];
    if (e.caller().object_id().empty()) ++no_caller;
    if (e.operation() == v1::OP_SECRET_GET && e.outcome() == v1::OUTCOME_SUCCESS) {
      EXPECT_FALSE(e.target_name().empty());
      ++secret_targets;
    }
    if (e.policy_change().added_object_ids_size() > 0) ++policy_adds;
  }
  EXPECT_EQ(unknown_ops, 0);
  EXPECT_EQ(no_caller, 0);
  EXPECT_GT(secret_targets, 0);
  EXPECT_GT(policy_adds, 0) << "put-get and policy-flip scenarios add access policies";
  EXPECT_GT(identity_types[v1::IDENTITY_TYPE_SERVICE_PRINCIPAL], 0);
  EXPECT_GT(identity_types[v1::IDENTITY_TYPE_USER_AND_APP], 0);
  EXPECT_GT(identity_types[v1::IDENTITY_TYPE_USER], 0);
  EXPECT_GT(outcomes[v1::OUTCOME_DENIED], 0);
  EXPECT_GT(outcomes[v1::OUTCOME_NOT_FOUND], 0);
  EXPECT_GT(outcomes[v1::OUTCOME_AUTH_CHALLENGE], 0);
}

TEST(IngestCompatTest, EnvelopesAreAcceptedToo) {
  GeneratorOptions o = testing::SmallOptions();
  o.days = 1;
  o.history_days = 0;
  o.scenarios = "none";
  o.envelope = true;
  std::string text = GenerateText(o);
  ingest::Ingestor ingestor;
  ::vw::testing::CollectingRecordSink sink;
  v1::SourcePosition base;
  base.set_source("gen.json");
  base.set_partition(-1);
  ingestor.Ingest(text, base, sink);
  EXPECT_TRUE(sink.dead_letters.empty())
      << (sink.dead_letters.empty() ? "" : sink.dead_letters[0].reason);
  EXPECT_GT(sink.events.size(), 1000u);
}

}  // namespace
}  // namespace vw::gen
