// Shapes, edge cases and dead letters of the Ingestor.
#include "processors/ingest/ingest.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "processors/detectors/file_input.h"
#include "tests/support/record_sink.h"

namespace vw::ingest {
namespace {

using vw::v1::AccessEvent;
using vw::v1::SourcePosition;

// A realistic data-plane record (short JWT claims), one line.
std::string Record(const std::string& op = "SecretGet", int status = 200,
                   const std::string& extra = "") {
  return R"({"time":"2026-01-15T03:00:01.1234567Z","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG1/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-1","operationName":")" +
         op +
         R"(","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","durationMs":"12","callerIpAddress":"203.0.113.9","correlationId":"c-1","identity":{"claim":{"oid":"OID-1","appid":"APP-1","upn":"Alice@Contoso.com","tid":"T-1","xms_az_nwperimid":[]}},"properties":{"id":"https://kv-1.vault.azure.net/secrets/DbPass/0123456789abcdef0123456789abcdef","clientInfo":"cli/1","httpStatusCode":)" +
         std::to_string(status) +
         R"(,"requestUri":"https://kv-1.vault.azure.net/secrets/DbPass?api-version=7.4","isAccessPolicyMatch":true)" +
         extra + "}}";
}

SourcePosition FileSource(const std::string& name = "test") {
  SourcePosition p;
  p.set_source(name);
  p.set_partition(-1);
  return p;
}

struct Collected {
  vw::testing::CollectingRecordSink sink;
  IngestCounters counters;
};

Collected IngestText(const std::string& text, IngestOptions options = {},
                     SourcePosition base = FileSource()) {
  Ingestor ingestor(options);
  Collected run;
  ingestor.Ingest(text, base, run.sink);
  run.counters = ingestor.counters();
  EXPECT_EQ(run.counters.records_in,
            run.counters.accepted + run.counters.deadlettered + run.counters.skipped);
  EXPECT_EQ(run.counters.accepted, run.sink.events.size());
  EXPECT_EQ(run.counters.deadlettered, run.sink.dead_letters.size());
  return run;
}

TEST(Ingest, BareRecordAllFields) {
  Collected r = IngestText(Record());
  ASSERT_EQ(r.sink.events.size(), 1u);
  const AccessEvent& e = r.sink.events[0];
  EXPECT_EQ(e.time_us(), 1768446001123456);
  EXPECT_EQ(e.vault_id(),
            "/subscriptions/s1/resourcegroups/rg1/providers/microsoft.keyvault/vaults/kv-1");
  EXPECT_EQ(e.vault_name(), "kv-1");
  EXPECT_EQ(e.subscription_id(), "s1");
  EXPECT_EQ(e.resource_group(), "rg1");
  EXPECT_EQ(e.vault_kind(), vw::v1::VAULT_KIND_KEY_VAULT);
  EXPECT_EQ(e.operation(), vw::v1::OP_SECRET_GET);
  EXPECT_EQ(e.operation_name(), "SecretGet");
  EXPECT_EQ(e.object_type(), vw::v1::OBJECT_TYPE_SECRET);
  EXPECT_EQ(e.operation_version(), "7.4");
  EXPECT_EQ(e.outcome(), vw::v1::OUTCOME_SUCCESS);
  EXPECT_EQ(e.http_status(), 200);
  EXPECT_EQ(e.result_signature(), "OK");
  EXPECT_EQ(e.caller().object_id(), "oid-1");
  EXPECT_EQ(e.caller().app_id(), "app-1");
  EXPECT_EQ(e.caller().upn(), "alice@contoso.com");
  EXPECT_EQ(e.caller().tenant_id(), "t-1");
  EXPECT_EQ(e.caller().identity_type(), vw::v1::IDENTITY_TYPE_USER_AND_APP);
  EXPECT_EQ(e.caller().ip(), std::string("\xcb\x00\x71\x09", 4));
  EXPECT_EQ(e.caller().ip_text(), "203.0.113.9");
  EXPECT_EQ(e.client_info(), "cli/1");
  EXPECT_EQ(e.request_uri(), "https://kv-1.vault.azure.net/secrets/DbPass?api-version=7.4");
  EXPECT_EQ(e.target_name(), "dbpass");
  EXPECT_EQ(e.target_version(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(e.correlation_id(), "c-1");
  EXPECT_EQ(e.duration_ms(), 12);
  EXPECT_EQ(e.is_access_policy_match(), vw::v1::TRI_STATE_TRUE);
  EXPECT_EQ(e.is_rbac_authorized(), vw::v1::TRI_STATE_UNSET);
  EXPECT_EQ(e.category(), "AuditEvent");
  EXPECT_EQ(e.source().source(), "test");
  EXPECT_EQ(e.source().partition(), -1);
  EXPECT_EQ(VaultKey(e), e.vault_id());
  EXPECT_EQ(CallerKey(e), "oid-1");
}

TEST(Ingest, EnvelopeArrayAndNdjsonShapes) {
  std::string envelope = "{\"records\":[" + Record() + "," + Record("KeyGet") + "]}";
  Collected a = IngestText(envelope);
  ASSERT_EQ(a.sink.events.size(), 2u);
  EXPECT_EQ(a.sink.events[1].operation(), vw::v1::OP_KEY_GET);
  EXPECT_EQ(a.sink.events[0].source().index(), 0);
  EXPECT_EQ(a.sink.events[1].source().index(), 1);

  Collected b = IngestText("[" + Record() + ",\n" + Record("SecretList") + "]");
  ASSERT_EQ(b.sink.events.size(), 2u);
  EXPECT_EQ(b.sink.events[1].operation(), vw::v1::OP_SECRET_LIST);

  std::string nd = Record() + "\n" + Record("SecretSet") + "\r\n\n" + envelope + "\n";
  Collected c = IngestText(nd);
  ASSERT_EQ(c.sink.events.size(), 4u);
  EXPECT_EQ(c.sink.events[1].operation(), vw::v1::OP_SECRET_SET);
  EXPECT_EQ(c.sink.events[1].source().offset(), static_cast<int64_t>(Record().size() + 1));
  EXPECT_EQ(c.sink.events[3].source().index(), 1);
}

TEST(Ingest, ArrayOfEnvelopes) {
  // What a batch of Event Hubs messages looks like when exported as one JSON array.
  std::string env = "{\"records\":[" + Record() + "," + Record("KeyGet") + "]}";
  Collected r = IngestText("[" + env + ",\n" + env + ", 5]");
  ASSERT_EQ(r.sink.events.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r.sink.events[i].source().index(), i);
  ASSERT_EQ(r.sink.dead_letters.size(), 1u);
  EXPECT_EQ(r.sink.dead_letters[0].reason,
            "document 1 record 4: not a record: the element is a number");
  // Envelopes do not nest: a "records" member inside an envelope's record is just a field.
  Collected n = IngestText("{\"records\":[{\"records\":[" + Record() + "]}]}");
  EXPECT_EQ(n.sink.events.size(), 0u);
  ASSERT_EQ(n.sink.dead_letters.size(), 1u);
  EXPECT_EQ(n.sink.dead_letters[0].reason, "line 1 record 0: 'time' missing");
}

TEST(Ingest, PrettyPrintedAndConcatenatedDocuments) {
  std::string pretty = "{\n  \"records\": [\n    " + Record() + "\n  ]\n}\n";
  Collected a = IngestText(pretty);
  ASSERT_EQ(a.sink.events.size(), 1u);
  // Two pretty-printed records one after another (what `jq .` writes).
  std::string two =
      "{\n \"time\": \"2026-01-15T03:00:01Z\", \"resourceId\": \"/x/vaults/a\",\n "
      "\"operationName\": \"VaultGet\"\n}\n"
      "{\n \"time\": \"2026-01-15T03:00:02Z\", \"resourceId\": \"/x/vaults/b\",\n "
      "\"operationName\": \"VaultGet\"\n}\n";
  Collected b = IngestText(two);
  ASSERT_EQ(b.sink.events.size(), 2u);
  EXPECT_EQ(b.sink.events[1].vault_name(), "b");
  EXPECT_GT(b.sink.events[1].source().offset(), 0);
}

// A record cut short after a bare word inside a value the reader reads: simdjson abandons the
// document's iterator there and the object's loop just ends, so the document was once taken for a
// good record, and advancing the document stream past it dereferenced a null parser (a fuzzer's
// find: a segfault, whatever followed the record).
TEST(Ingest, DocumentAbandonedByTheParserIsDeadLettered) {
  const std::string broken =
      R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"VaultPatch",)"
      R"("properties":{"addedAccessPolicy":{"ObjectId":"N","Permissions":{"secrets":["get",t}"x":)";
  const std::string good =
      R"({"time":"2026-01-15T03:00:02Z","resourceId":"/x/vaults/b","operationName":"VaultGet"})";
  Collected alone = IngestText(broken + "\n");
  EXPECT_EQ(alone.sink.events.size(), 0u);
  ASSERT_EQ(alone.sink.dead_letters.size(), 1u);
  EXPECT_EQ(alone.sink.dead_letters[0].reason, std::string("document 1: malformed JSON: ") +
                                                   simdjson::error_message(simdjson::TAPE_ERROR));
  EXPECT_EQ(alone.sink.dead_letters[0].raw, broken + "\n");
  // Followed by a line that is whole: read as lines, the broken one costs only itself.
  Collected lines = IngestText(broken + "\n" + good + "\n");
  ASSERT_EQ(lines.sink.events.size(), 1u);
  EXPECT_EQ(lines.sink.events[0].vault_name(), "b");
  ASSERT_EQ(lines.sink.dead_letters.size(), 1u);
  EXPECT_EQ(lines.sink.dead_letters[0].reason.rfind("line 1: malformed JSON", 0), 0u)
      << lines.sink.dead_letters[0].reason;
  EXPECT_EQ(lines.sink.dead_letters[0].raw, broken);
}

TEST(Ingest, MalformedLineIsDeadLetteredAndTheNextLineRead) {
  std::string nd = Record() + "\n{\"time\": \"2026-01-15T03:00:01Z\", \"resourceId\": \n" +
                   Record("KeyList") + "\n";
  Collected r = IngestText(nd);
  ASSERT_EQ(r.sink.events.size(), 2u);
  EXPECT_EQ(r.sink.events[1].operation(), vw::v1::OP_KEY_LIST);
  ASSERT_EQ(r.sink.dead_letters.size(), 1u);
  const DeadLetter& d = r.sink.dead_letters[0];
  EXPECT_EQ(d.reason.rfind("line 2: malformed JSON", 0), 0u) << d.reason;
  EXPECT_EQ(d.raw, "{\"time\": \"2026-01-15T03:00:01Z\", \"resourceId\":");
  EXPECT_EQ(d.source.offset(), static_cast<int64_t>(Record().size() + 1));
}

// NDJSON whose first line is cut short: what follows it must still be read line by line (it
// was once taken for one pretty-printed document and dead-lettered whole, good record included).
std::string TruncatedFirstLineInput(size_t pad_bytes) {
  std::string pad(pad_bytes, 'x');
  std::string text = "{\"time\": \"2026-01-01T00:00:00Z\", \"resourceId\": \n";
  const std::vector<std::string> bad = {"not json " + pad,
                                        "{\"time\": \"" + pad + "\", \"resourceId\": ",
                                        "{\"a\": [1, 2, \"" + pad + "\"",
                                        "}",
                                        "{{" + pad,
                                        "]",
                                        "{\"time\": 5, \"x\": \"" + pad + "\"} trailing",
                                        "\"" + pad,
                                        "{\"records\": [" + pad};
  for (const std::string& b : bad) text += b + "\n";
  return text + Record("KeyList") + "\n";
}

void ExpectEachBrokenLineCostsOnlyItself(const Collected& r, const std::string& text, bool kafka) {
  ASSERT_EQ(r.sink.events.size(), 1u);
  EXPECT_EQ(r.sink.events[0].operation(), vw::v1::OP_KEY_LIST);
  ASSERT_EQ(r.sink.dead_letters.size(), 10u);
  EXPECT_EQ(r.counters.records_in, 11u);
  size_t line_start = 0;
  for (int i = 0; i < 10; ++i) {
    const DeadLetter& d = r.sink.dead_letters[i];
    EXPECT_EQ(d.reason.rfind("line " + std::to_string(i + 1) + ": ", 0), 0u) << d.reason;
    size_t nl = text.find('\n', line_start);
    std::string line = text.substr(line_start, nl - line_start);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    EXPECT_EQ(d.raw, line.substr(0, 64 << 10)) << i;
    if (kafka) {
      EXPECT_EQ(d.source.offset(), 100);
      EXPECT_EQ(d.source.index(), i);
    } else {
      EXPECT_EQ(d.source.offset(), static_cast<int64_t>(line_start)) << i;
    }
    line_start = nl + 1;
  }
  if (kafka) {
    EXPECT_EQ(r.sink.events[0].source().index(), 10);
  }
}

TEST(Ingest, TruncatedFirstLineCostsOnlyThatLine) {
  for (size_t pad : {size_t{10}, size_t{300}, size_t{300 << 10}}) {
    SCOPED_TRACE(pad);
    std::string text = TruncatedFirstLineInput(pad);
    ExpectEachBrokenLineCostsOnlyItself(IngestText(text), text, false);
    SourcePosition kafka;
    kafka.set_source("kv.audit.raw");
    kafka.set_partition(0);
    kafka.set_offset(100);
    ExpectEachBrokenLineCostsOnlyItself(IngestText(text, {}, kafka), text, true);
    // The same input through a limit it exceeds as a whole (the "one 3 MB document" case).
    IngestOptions small;
    small.max_record_bytes = 2048;
    ExpectEachBrokenLineCostsOnlyItself(IngestText(text, small), text, false);
  }
}

TEST(IngestFile, TruncatedFirstLineCostsOnlyThatLine) {
  std::string text = TruncatedFirstLineInput(300 << 10);
  std::string path = ::testing::TempDir() + "ingest_truncated_first.ndjson";
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  Ingestor ingestor;
  Collected r;
  ASSERT_TRUE(IngestFile(path, ingestor, r.sink).ok());
  r.counters = ingestor.counters();
  std::remove(path.c_str());
  ExpectEachBrokenLineCostsOnlyItself(r, text, false);
}

TEST(Ingest, BrokenEnvelopeDeadLettersTheDocument) {
  std::string doc = "{\"records\":[" + Record() + ",\n " + Record().substr(0, 80) + "\n]}";
  Collected r = IngestText(doc);
  EXPECT_EQ(r.sink.events.size(), 0u);
  ASSERT_EQ(r.sink.dead_letters.size(), 1u);
  EXPECT_NE(r.sink.dead_letters[0].reason.find("malformed JSON"), std::string::npos);
  EXPECT_EQ(r.sink.dead_letters[0].raw, doc);
}

TEST(Ingest, MissingAndMistypedRequiredFields) {
  struct Case {
    std::string json;
    std::string reason;
  } cases[] = {
      {R"({"resourceId":"/x/vaults/a","operationName":"VaultGet"})", "line 1: 'time' missing"},
      {R"({"time":null,"resourceId":"/x/vaults/a","operationName":"VaultGet"})",
       "line 1: 'time' missing"},
      {R"({"time":12,"resourceId":"/x/vaults/a","operationName":"VaultGet"})",
       "line 1: 'time' is a number, expected a string"},
      {R"({"time":"yesterday","resourceId":"/x/vaults/a","operationName":"VaultGet"})",
       "line 1: 'time' is not an RFC 3339 time: \"yesterday\""},
      {R"({"time":"2026-01-15T03:00:01Z","operationName":"VaultGet"})",
       "line 1: 'resourceId' missing"},
      {R"({"time":"2026-01-15T03:00:01Z","resourceId":["a"],"operationName":"VaultGet"})",
       "line 1: 'resourceId' is an array, expected a string"},
      {R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a"})",
       "line 1: 'operationName' missing"},
      {R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":{}})",
       "line 1: 'operationName' is an object, expected a string"},
      {R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"VaultGet","durationMs":"fast"})",
       "line 1: 'durationMs' is not a number: \"fast\""},
      {R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"VaultGet","properties":[]})",
       "line 1: 'properties' is an array, expected an object"},
      {R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"VaultGet","properties":{"httpStatusCode":true}})",
       "line 1: 'properties.httpStatusCode' is a boolean, expected a number"},
      {R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"VaultGet","identity":5})",
       "line 1: 'identity' is a number, expected an object or a JSON string"},
      {R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"VaultGet","identity":"{not json"})",
       "line 1: 'identity' is a string but not a JSON object"},
      {R"(42)", "document 1: not a record: the document is a number"},
      {R"(["x"])", "line 1 record 0: not a record: the element is a string"},
  };
  for (const Case& c : cases) {
    Collected r = IngestText(c.json);
    EXPECT_EQ(r.sink.events.size(), 0u) << c.json;
    ASSERT_EQ(r.sink.dead_letters.size(), 1u) << c.json;
    EXPECT_EQ(r.sink.dead_letters[0].reason, c.reason) << c.json;
    EXPECT_FALSE(r.sink.dead_letters[0].raw.empty());
  }
}

TEST(Ingest, DeadRecordInsideEnvelopeNamesItsIndex) {
  std::string env = "{\"records\":[" + Record() +
                    R"(,{"time":"2026-01-15T03:00:01Z","operationName":"X"},)" + Record() + "]}";
  Collected r = IngestText(env);
  EXPECT_EQ(r.sink.events.size(), 2u);
  ASSERT_EQ(r.sink.dead_letters.size(), 1u);
  EXPECT_EQ(r.sink.dead_letters[0].reason, "line 1 record 1: 'resourceId' missing");
  EXPECT_EQ(r.sink.dead_letters[0].raw, R"({"time":"2026-01-15T03:00:01Z","operationName":"X"})");
  EXPECT_EQ(r.sink.dead_letters[0].source.index(), 1);
}

TEST(Ingest, OtherCategoriesAreSkipped) {
  std::string rec =
      R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"Evaluate","category":"AzurePolicyEvaluationDetails"})";
  Collected r = IngestText(rec + "\n" + Record() + "\n");
  EXPECT_EQ(r.counters.skipped, 1u);
  EXPECT_EQ(r.counters.accepted, 1u);
  EXPECT_EQ(r.counters.records_in, 2u);
}

TEST(Ingest, OversizeRecords) {
  IngestOptions small;
  small.max_record_bytes = 300;
  Collected r = IngestText(
      Record() + "\n" +
          R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"VaultGet"})" +
          "\n",
      small);
  EXPECT_EQ(r.sink.events.size(), 1u);
  ASSERT_EQ(r.sink.dead_letters.size(), 1u);
  EXPECT_NE(r.sink.dead_letters[0].reason.find("line 1: record of"), std::string::npos)
      << r.sink.dead_letters[0].reason;
  EXPECT_NE(r.sink.dead_letters[0].reason.find("exceeds max_record_bytes"), std::string::npos);
  // Inside an envelope larger than the limit, only the big record is dead.
  std::string small_rec =
      R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"VaultGet"})";
  Collected e =
      IngestText("{\"records\":[" + small_rec + "," + Record() + "," + small_rec + "]}", small);
  EXPECT_EQ(e.sink.events.size(), 2u);
  ASSERT_EQ(e.sink.dead_letters.size(), 1u);
  EXPECT_EQ(e.sink.dead_letters[0].source.index(), 1);
  EXPECT_EQ(e.sink.dead_letters[0].raw, Record());
}

TEST(Ingest, ManagedHsmRecord) {
  std::string hsm =
      R"({"TenantId":"T-9","time":"2020-08-31T19:52:39.763Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.KEYVAULT/MANAGEDHSMS/H1","operationName":"KeyGet","category":"AuditEvent","resultType":"Success","properties":{"PoolType":"M-HSM"},"durationMs":488,"callerIpAddress":"2001:db8::7","identity":"{\"claim\":{\"appid\":\"APP\",\"http_schemas_microsoft_com_identity\":{\"claims\":{\"objectidentifier\":\"OID\"}}}}","clientInfo":"sdk","correlationId":"c","httpStatusCode":403,"requestUri":"https://h1.managedhsm.azure.net/keys/K1/0123456789abcdef0123456789abcdef?api-version=7.0"})";
  Collected r = IngestText(hsm);
  ASSERT_EQ(r.sink.events.size(), 1u)
      << (r.sink.dead_letters.empty() ? "" : r.sink.dead_letters[0].reason);
  const AccessEvent& e = r.sink.events[0];
  EXPECT_EQ(e.vault_kind(), vw::v1::VAULT_KIND_MANAGED_HSM);
  EXPECT_EQ(e.vault_name(), "h1");
  EXPECT_EQ(e.caller().object_id(), "oid");
  EXPECT_EQ(e.caller().app_id(), "app");
  EXPECT_EQ(e.caller().tenant_id(), "t-9");
  EXPECT_EQ(e.caller().identity_type(), vw::v1::IDENTITY_TYPE_SERVICE_PRINCIPAL);
  EXPECT_EQ(e.caller().ip().size(), 16u);
  EXPECT_EQ(e.outcome(), vw::v1::OUTCOME_DENIED);
  EXPECT_EQ(e.http_status(), 403);
  EXPECT_EQ(e.duration_ms(), 488);
  EXPECT_EQ(e.client_info(), "sdk");
  EXPECT_EQ(e.target_name(), "k1");
  EXPECT_EQ(e.target_version(), "0123456789abcdef0123456789abcdef");
}

TEST(Ingest, UriClaimsCasingNullsAndDurations) {
  std::string rec =
      R"({"TIME":"2016-01-05T01:32:01.2691226Z","ResourceID":"/subscriptions/a/resourceGroups/b/providers/Microsoft.KeyVault/vaults/Cv","OperationName":"Authentication","durationMs":7,"callerIpAddress":null,"correlationId":null,"resultSignature":"Unauthorized","identity":{"claim":{"http://schemas.microsoft.com/identity/claims/objectidentifier":"U1","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"Bob@X.com"}},"properties":{"httpStatusCode":"401","id":null,"isRbacAuthorized":false}})";
  Collected r = IngestText(rec);
  ASSERT_EQ(r.sink.events.size(), 1u) << r.sink.dead_letters[0].reason;
  const AccessEvent& e = r.sink.events[0];
  EXPECT_EQ(e.vault_name(), "cv");
  EXPECT_EQ(e.operation(), vw::v1::OP_AUTHENTICATION);
  EXPECT_EQ(e.outcome(), vw::v1::OUTCOME_AUTH_CHALLENGE);
  EXPECT_EQ(e.http_status(), 401);
  EXPECT_EQ(e.caller().object_id(), "u1");
  EXPECT_EQ(e.caller().upn(), "bob@x.com");
  EXPECT_EQ(e.caller().identity_type(), vw::v1::IDENTITY_TYPE_USER);
  EXPECT_EQ(e.caller().ip_text(), "");
  EXPECT_EQ(e.duration_ms(), 7);
  EXPECT_EQ(e.is_rbac_authorized(), vw::v1::TRI_STATE_FALSE);
  EXPECT_EQ(CallerKey(e), "u1");
}

TEST(Ingest, MinimalRecordAndCallerKeyFallbacks) {
  Collected r = IngestText(
      R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"Mystery","callerIpAddress":"10.1.2.3","durationMs":""})");
  ASSERT_EQ(r.sink.events.size(), 1u);
  const AccessEvent& e = r.sink.events[0];
  EXPECT_EQ(e.operation(), vw::v1::OPERATION_UNKNOWN);
  EXPECT_EQ(e.operation_name(), "Mystery");
  EXPECT_EQ(e.outcome(), vw::v1::OUTCOME_UNSPECIFIED);
  EXPECT_EQ(e.caller().identity_type(), vw::v1::IDENTITY_TYPE_UNKNOWN);
  EXPECT_EQ(CallerKey(e), "10.1.2.3");
  AccessEvent app;
  app.mutable_caller()->set_app_id("app-2");
  EXPECT_EQ(CallerKey(app), "app-2");
  EXPECT_EQ(CallerKey(AccessEvent()), "");
}

TEST(Ingest, AccessPolicyChanges) {
  std::string extra =
      R"(,"addedAccessPolicy":{"ObjectId":"NEW-1","TenantId":"t","Permissions":{"keys":[],"secrets":["Get","List"],"certificates":["get"]}},"removedAccessPolicy":[{"objectId":"OLD-1","permissions":{"secrets":"all"}}])";
  Collected r = IngestText(Record("VaultPatch", 200, extra));
  ASSERT_EQ(r.sink.events.size(), 1u) << r.sink.dead_letters[0].reason;
  const auto& pc = r.sink.events[0].policy_change();
  ASSERT_EQ(pc.added_object_ids_size(), 1);
  EXPECT_EQ(pc.added_object_ids(0), "new-1");
  EXPECT_EQ(pc.added_permissions(0), "new-1:secrets=get,list;certificates=get");
  ASSERT_EQ(pc.removed_object_ids_size(), 1);
  EXPECT_EQ(pc.removed_object_ids(0), "old-1");
  EXPECT_EQ(pc.removed_permissions(0), "old-1:secrets=all");
  EXPECT_TRUE(r.sink.events[0].has_policy_change());
  Collected none = IngestText(Record("VaultPatch"));
  EXPECT_FALSE(none.sink.events[0].has_policy_change());
}

TEST(Ingest, KafkaPositionsRunAcrossTheMessage) {
  SourcePosition base;
  base.set_source("kv.audit.raw");
  base.set_partition(3);
  base.set_offset(100);
  std::string msg = Record() + "\n{\"records\":[" + Record() + "," + Record() + "]}\n";
  Collected r = IngestText(msg, {}, base);
  ASSERT_EQ(r.sink.events.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.sink.events[i].source().partition(), 3);
    EXPECT_EQ(r.sink.events[i].source().offset(), 100);
    EXPECT_EQ(r.sink.events[i].source().index(), i);
  }
}

TEST(Ingest, TrailingGarbageEmptyInputAndBom) {
  // NDJSON: the line with trailing content is dead, its neighbours are read.
  Collected a = IngestText(Record() + "\n" + Record() + " x\n" + Record() + "\n");
  EXPECT_EQ(a.sink.events.size(), 2u);
  ASSERT_EQ(a.sink.dead_letters.size(), 1u);
  EXPECT_EQ(a.sink.dead_letters[0].reason.rfind("line 2: malformed JSON", 0), 0u)
      << a.sink.dead_letters[0].reason;
  // Document mode: the valid document is read, the junk after it is dead.
  Collected g = IngestText("{\n\"records\": [" + Record() + "]} x");
  EXPECT_EQ(g.sink.events.size(), 1u);
  ASSERT_EQ(g.sink.dead_letters.size(), 1u);
  EXPECT_NE(g.sink.dead_letters[0].reason.find("document 2: malformed JSON"), std::string::npos)
      << g.sink.dead_letters[0].reason;
  EXPECT_EQ(g.sink.dead_letters[0].raw, "x");
  Collected b = IngestText("  \n\n");
  EXPECT_EQ(b.counters.records_in, 0u);
  Collected c = IngestText("\xEF\xBB\xBF" + Record() + "\n");
  EXPECT_EQ(c.sink.events.size(), 1u);
  Collected d = IngestText("{\"records\":[");  // truncated document
  EXPECT_EQ(d.sink.dead_letters.size(), 1u);
}

TEST(Ingest, EventStorageIsReusedWhenTheSinkLeavesIt) {
  // A sink that only reads: the next event must not carry stale fields of the previous one.
  struct ReadingSink : RecordSink {
    void OnEvent(AccessEvent&& e) override { seen.push_back(e); }
    void OnDeadLetter(DeadLetter&&) override {}
    std::vector<AccessEvent> seen;
  } sink;
  Ingestor ingestor;
  ingestor.Ingest(
      Record("VaultPatch", 200, R"(,"addedAccessPolicy":{"ObjectId":"A"})") + "\n" +
          R"({"time":"2026-01-15T03:00:01Z","resourceId":"/x/vaults/a","operationName":"VaultGet"})",
      FileSource(), sink);
  ASSERT_EQ(sink.seen.size(), 2u);
  EXPECT_TRUE(sink.seen[0].has_policy_change());
  EXPECT_FALSE(sink.seen[1].has_policy_change());
  EXPECT_EQ(sink.seen[1].caller().object_id(), "");
  EXPECT_EQ(sink.seen[1].http_status(), 0);
}

TEST(NormalizedJson, ParsesBackWithTheRequiredFields) {
  Collected r = IngestText(Record());
  ASSERT_EQ(r.sink.events.size(), 1u);
  std::string json = NormalizedJson(r.sink.events[0]);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["time"]), "2026-01-15T03:00:01.123456Z");
  EXPECT_EQ(std::string_view(doc["vaultId"]), r.sink.events[0].vault_id());
  EXPECT_EQ(std::string_view(doc["operation"]), "SecretGet");
  EXPECT_EQ(std::string_view(doc["outcome"]), "success");
  EXPECT_EQ(int64_t(doc["httpStatus"]), 200);
  EXPECT_EQ(std::string_view(doc["objectId"]), "oid-1");
  EXPECT_EQ(std::string_view(doc["upn"]), "alice@contoso.com");
  EXPECT_EQ(std::string_view(doc["appId"]), "app-1");
  EXPECT_EQ(std::string_view(doc["ip"]), "203.0.113.9");
  EXPECT_EQ(std::string_view(doc["identityType"]), "user_and_app");
  EXPECT_EQ(json.find('\n'), std::string::npos);
}

TEST(IngestFile, StreamsLinesAcrossChunksWithLineNumbers) {
  std::string path = ::testing::TempDir() + "ingest_file_test.ndjson";
  {
    std::ofstream out(path, std::ios::binary);
    std::string rec = Record();
    // ~6 MB: crosses the 4 MiB read chunk, so a line is split between two reads.
    for (int i = 0; i < 9000; ++i) out << rec << "\n";
    out << "{broken\n";
    out << rec;  // no final newline
  }
  Ingestor ingestor;
  vw::testing::CollectingRecordSink sink;
  ASSERT_TRUE(IngestFile(path, ingestor, sink).ok());
  EXPECT_EQ(sink.events.size(), 9001u);
  ASSERT_EQ(sink.dead_letters.size(), 1u);
  EXPECT_EQ(sink.dead_letters[0].reason.rfind("line 9001: malformed JSON", 0), 0u)
      << sink.dead_letters[0].reason;
  EXPECT_EQ(sink.dead_letters[0].source.offset(),
            static_cast<int64_t>(9000 * (Record().size() + 1)));
  EXPECT_EQ(sink.events[8999].source().offset(),
            static_cast<int64_t>(8999 * (Record().size() + 1)));
  EXPECT_EQ(ingestor.counters().records_in, 9002u);
  std::remove(path.c_str());
  EXPECT_FALSE(IngestFile(path, ingestor, sink).ok());
}

}  // namespace
}  // namespace vw::ingest
