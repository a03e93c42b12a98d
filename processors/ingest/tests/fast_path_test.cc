// The NDJSON fast path (IngestOptions::fast_path) must give, for every line, exactly what the
// general on-demand reader gives: same events, same dead letters (reason, bytes, position), same
// counters. Each case below is a line placed between ordinary records, so that it is read where
// the fast path runs (a line is only read in place when SIMDJSON_PADDING bytes of input follow
// it), and the whole input is read both ways, in several chunkings, and compared.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "processors/ingest/ingest.h"
#include "tests/support/record_sink.h"

namespace vw::ingest {
namespace {

// An ordinary record in the JWT claim shape, as Azure writes them.
const std::string kOrdinary =
    R"({"time":"2026-01-15T00:00:01.1234567Z","category":"AuditEvent","operationName":"SecretGet",)"
    R"("resultType":"Success","correlationId":"c0ffee00-1111-2222-3333-444455556666",)"
    R"("callerIpAddress":"20.1.2.3","identity":{"claim":{"oid":"AAAA1111-2222-3333-4444-555566667777",)"
    R"("appid":"BBBB1111-2222-3333-4444-555566667777","appidacr":"0","xms_az_nwperimid":[],)"
    R"("ipaddr":"20.1.2.3","upn":"User1@Contoso.com","unique_name":"user1@contoso.com",)"
    R"("scp":"user_impersonation","tid":"72F988BF-86F1-41AF-91AB-2D7CD011DB47",)"
    R"("iss":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"}},"properties":{)"
    R"("id":"https://kv-1.vault.azure.net/secrets/Db-Password/0123456789abcdef0123456789abcdef",)"
    R"("clientInfo":"azsdk-net-Security.KeyVault.Secrets/4.6.0","httpStatusCode":200,)"
    R"("requestUri":"https://kv-1.vault.azure.net/secrets/db-password/0123456789abcdef0123456789abcdef?api-version=7.4",)"
    R"("isAccessPolicyMatch":true,"tlsVersion":"TLS1_2"},)"
    R"("resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG-1/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-1",)"
    R"("operationVersion":"7.4","resultSignature":"OK","durationMs":"12"})";

// The URI claim shape of the same caller, on a list operation (target from the request URI).
const std::string kUriClaims =
    R"({"time":"2026-01-15T00:00:02Z","category":"AuditEvent","operationName":"SecretList",)"
    R"("callerIpAddress":"2001:db8:5::3","identity":{"claim":{)"
    R"("http://schemas.microsoft.com/identity/claims/objectidentifier":"aaaa1111-2222-3333-4444-555566667777",)"
    R"("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"user1@contoso.com",)"
    R"("appid":"bbbb1111-2222-3333-4444-555566667777"}},"properties":{"clientInfo":"Mozilla/5.0",)"
    R"("httpStatusCode":403,"requestUri":"https://kv-2.vault.azure.net/secrets?api-version=7.4",)"
    R"("isRbacAuthorized":false},"resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG-1/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-2",)"
    R"("operationVersion":"7.4","resultSignature":"Forbidden","durationMs":7})";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// Every kind of line the readers must agree on: ordinary ones, ones the fast path hands over
// (escapes, nulls, wrong types, other shapes), and malformed ones.
std::vector<std::pair<std::string, std::string>> Cases() {
  const std::string& o = kOrdinary;
  std::vector<std::pair<std::string, std::string>> c = {
      {"ordinary", o},
      {"uri claims", kUriClaims},
      {"escape in a value read", Replace(o, R"("SecretGet")", R"("Secret\u0047et")")},
      {"escape in a key read", Replace(o, R"("time")", R"("ti\u006de")")},
      {"escape in an unknown key", Replace(o, R"("resultType")", R"("result\u0054ype")")},
      {"escape in an unread value", Replace(o, R"("Success")", R"("a \"quoted\" word")")},
      {"escaped slashes in a claim key",
       Replace(kUriClaims, R"("http://schemas.microsoft.com/identity/claims/objectidentifier")",
               R"("http:\/\/schemas.microsoft.com\/identity\/claims\/objectidentifier")")},
      {"escape in an unused claim", Replace(o, R"("user_impersonation")", R"("a\tb")")},
      {"escape in a used claim",
       Replace(o, R"("User1@Contoso.com")", R"("User1\u0040Contoso.com")")},
      {"null time", Replace(o, R"("2026-01-15T00:00:01.1234567Z")", "null")},
      {"numeric time", Replace(o, R"("2026-01-15T00:00:01.1234567Z")", "1768435201")},
      {"bad time", Replace(o, R"("2026-01-15T00:00:01.1234567Z")", R"("yesterday")")},
      {"time with offset", Replace(o, R"(01.1234567Z")", R"(01+02:00")")},
      {"time without zone", Replace(o, R"(01.1234567Z")", R"(01.5")")},
      {"time without fraction", Replace(o, R"(01.1234567Z")", R"(01Z")")},
      // A record over several lines is several (malformed) lines, never one record.
      {"newline between keys", Replace(o, R"(,"category")", ",\n\"category\"")},
      {"newline inside a string", Replace(o, R"("Success")", "\"Suc\ncess\"")},
      {"pretty-printed envelope", "{\n  \"records\": [\n    " + o + "\n  ]\n}\n{\"records\": ["},
      {"time lower-case",
       Replace(o, R"("2026-01-15T00:00:01.1234567Z")", R"("2026-01-15t00:00:01z")")},
      {"time with a space",
       Replace(o, R"("2026-01-15T00:00:01.1234567Z")", R"("2026-01-15 23:59:60.9Z")")},
      {"time on Feb 29",
       Replace(o, R"("2026-01-15T00:00:01.1234567Z")", R"("2025-02-29T00:00:00Z")")},
      {"time on Feb 30",
       Replace(o, R"("2026-01-15T00:00:01.1234567Z")", R"("2024-02-30T00:00:00Z")")},
      {"time hour 24",
       Replace(o, R"("2026-01-15T00:00:01.1234567Z")", R"("2026-01-15T24:00:00Z")")},
      {"time empty fraction", Replace(o, R"(01.1234567Z")", R"(01.Z")")},
      {"time trailing", Replace(o, R"(01.1234567Z")", R"(01.1234567Zx")")},
      {"time short", Replace(o, R"("2026-01-15T00:00:01.1234567Z")", R"("2026-01-15")")},
      {"no resourceId", Replace(o, R"("resourceId")", R"("resourceIdX")")},
      {"blank resourceId",
       Replace(
           o, R"("/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG-1/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-1")",
           R"("  ")")},
      {"no operationName", Replace(o, R"("operationName")", R"("operation")")},
      {"unknown operation", Replace(o, R"("SecretGet")", R"("SecretFrobnicate")")},
      {"operation in other case", Replace(o, R"("SecretGet")", R"(" secretget ")")},
      {"other category", Replace(o, R"("AuditEvent")", R"("AzurePolicyEvaluationDetails")")},
      {"category in other case", Replace(o, R"("AuditEvent")", R"("auditevent")")},
      {"no category", Replace(o, R"("category":"AuditEvent",)", "")},
      {"null category", Replace(o, R"("AuditEvent")", "null")},
      {"keys in other case",
       Replace(Replace(o, R"("time")", R"("TIME")"), R"("resourceId")", R"("ResourceId")")},
      {"duplicate key",
       Replace(o, R"("operationVersion")",
               R"("resourceId":"/subscriptions/s2/providers/x/vaults/kv-9","operationVersion")")},
      {"identity as a JSON string",
       Replace(o, R"("identity":{"claim":{"oid")",
               R"("identity":"{\"claim\":{\"oid\":\"x\"}}","junk":{"claim":{"oid")")},
      {"nested claims",
       Replace(o, R"("oid":"AAAA1111-2222-3333-4444-555566667777")",
               R"("http_schemas_microsoft_com_identity":{"claims":{"objectidentifier":"N1"}})")},
      {"null identity",
       Replace(o, R"("identity":{"claim":{)", R"("identity":null,"x":{"claim":{)")},
      {"null claim", Replace(o, R"("identity":{"claim":{)", R"("identity":{"claim":null,"x":{)")},
      {"claim array", Replace(o, R"("identity":{"claim":{)", R"("identity":{"claim":[],"x":{)")},
      {"control character before a claim value",
       Replace(o, R"("appidacr":"0")", "\"appidacr\":\x08\"0\"")},
      {"control character before an unused value",
       Replace(o, R"("resultType":"Success")", "\"resultType\":\x08\"Success\"")},
      {"control character before records",
       Replace(o, R"("resultType")", "\"records\":\x08[],\"resultType\"")},
      {"numeric claims", Replace(o, R"("appidacr":"0")", R"("appidacr":0,"oid2":1.5e3)")},
      {"idtyp app", Replace(o, R"("appidacr":"0")", R"("idtyp":"app")")},
      {"name claim", Replace(Replace(o, R"("upn":"User1@Contoso.com",)", ""),
                             R"("unique_name":"user1@contoso.com")", R"("name":"Some@One.org")")},
      {"ipaddr claim only", Replace(o, R"("callerIpAddress":"20.1.2.3",)", "")},
      {"added access policy",
       Replace(
           o, R"("tlsVersion":"TLS1_2")",
           R"("addedAccessPolicy":{"ObjectId":"P1","Permissions":{"secrets":["Get","List"]}})")},
      {"removed access policy",
       Replace(o, R"("tlsVersion":"TLS1_2")", R"("removedAccessPolicy":[{"ObjectId":"P2"}])")},
      {"null properties", Replace(o, R"("properties":{)", R"("properties":null,"p":{)")},
      {"properties array", Replace(o, R"("properties":{)", R"("properties":[],"p":{)")},
      {"top-level HSM fields",
       Replace(
           o, R"("operationVersion")",
           R"("httpStatusCode":401,"clientInfo":"cli","requestUri":"https://h.managedhsm.azure.net/keys/k1/backup","operationVersion")")},
      {"tenantId", Replace(o, R"("operationVersion")", R"("TenantId":"T-1","operationVersion")")},
      {"duration number", Replace(o, R"("durationMs":"12")", R"("durationMs":12)")},
      {"duration fraction", Replace(o, R"("durationMs":"12")", R"("durationMs":12.5)")},
      {"duration fraction string", Replace(o, R"("durationMs":"12")", R"("durationMs":"12.5")")},
      {"duration empty", Replace(o, R"("durationMs":"12")", R"("durationMs":"")")},
      {"duration text", Replace(o, R"("durationMs":"12")", R"("durationMs":"abc")")},
      {"duration -0", Replace(o, R"("durationMs":"12")", R"("durationMs":-0)")},
      {"duration negative", Replace(o, R"("durationMs":"12")", R"("durationMs":-5)")},
      {"duration leading zero", Replace(o, R"("durationMs":"12")", R"("durationMs":012)")},
      {"duration exponent", Replace(o, R"("durationMs":"12")", R"("durationMs":1e3)")},
      {"duration huge",
       Replace(o, R"("durationMs":"12")", R"("durationMs":123456789012345678901)")},
      {"duration bool", Replace(o, R"("durationMs":"12")", R"("durationMs":true)")},
      {"status string", Replace(o, R"("httpStatusCode":200)", R"("httpStatusCode":"404")")},
      {"status out of range", Replace(o, R"("httpStatusCode":200)", R"("httpStatusCode":1000)")},
      {"status negative", Replace(o, R"("httpStatusCode":200)", R"("httpStatusCode":-1)")},
      {"status null", Replace(o, R"("httpStatusCode":200)", R"("httpStatusCode":null)")},
      {"bool as string",
       Replace(o, R"("isAccessPolicyMatch":true)", R"("isAccessPolicyMatch":"FALSE")")},
      {"bool null", Replace(o, R"("isAccessPolicyMatch":true)", R"("isAccessPolicyMatch":null)")},
      {"bool number", Replace(o, R"("isAccessPolicyMatch":true)", R"("isAccessPolicyMatch":1)")},
      {"ip with port",
       Replace(o, R"("callerIpAddress":"20.1.2.3")", R"("callerIpAddress":"[2001:db8::1]:443")")},
      {"ip v4 with port",
       Replace(o, R"("callerIpAddress":"20.1.2.3")", R"("callerIpAddress":"20.1.2.3:8080")")},
      {"ip placeholder",
       Replace(o, R"("callerIpAddress":"20.1.2.3")", R"("callerIpAddress":"X.X.X.X")")},
      {"ip leading zero",
       Replace(o, R"("callerIpAddress":"20.1.2.3")", R"("callerIpAddress":"20.01.2.3")")},
      {"ip spaces",
       Replace(o, R"("callerIpAddress":"20.1.2.3")", R"("callerIpAddress":" 20.1.2.3 ")")},
      {"target issuer", Replace(o, R"(secrets/Db-Password/0123456789abcdef0123456789abcdef")",
                                R"(certificates/issuers/Digi/x")")},
      {"target vault level",
       Replace(o, R"(/secrets/Db-Password/0123456789abcdef0123456789abcdef")", R"(/")")},
      {"blanks between tokens",
       Replace(o, R"("operationName":"SecretGet")", "\"operationName\" :\t\"SecretGet\" ")},
      {"envelope", R"({"records":[)" + o + "," + kUriClaims + "]}"},
      {"empty envelope", R"({"records":[]})"},
      {"envelope with more members", R"({"records":[)" + o + R"(],"x":{"y":[1]},"z":2})"},
      {"envelope after a member", R"({"time":"x","records":[)" + o + "]}"},
      {"envelope with a bad record",
       R"({"records":[)" + o + "," + Replace(o, R"("time")", R"("tim")") + "]}"},
      {"envelope with a scalar", R"({"records":[)" + o + ",7]}"},
      {"envelope of envelopes", R"({"records":[{"records":[)" + o + "]}]}"},
      {"records not an array", Replace(o, R"("resultType")", R"("records":{},"resultType")")},
      {"record with a records member",
       R"({"records":[)" + Replace(o, R"("resultType")", R"("records":[1],"resultType")") + "]}"},
      {"array of records", "[" + o + "," + kUriClaims + "]"},
      {"array with a scalar", "[" + o + ",42]"},
      {"empty object", "{}"},
      {"scalar", "42"},
      {"string", R"("a string")"},
      {"null", "null"},
      {"trailing content", o + " x"},
      {"two documents", o + " " + o},
      {"two documents, no blank", o + o},
      {"extra closing brace", o + "}"},
      {"unclosed object", o.substr(0, o.size() - 1)},
      {"unclosed string", R"({"time":"2026-01-15)"},
      {"missing colon", Replace(o, R"("resultType":"Success")", R"("resultType" "Success")")},
      {"missing comma", Replace(o, R"("resultType":"Success",)", R"("resultType":"Success" )")},
      {"trailing comma", Replace(o, R"("durationMs":"12"})", R"("durationMs":"12",})")},
      {"mismatched brackets in an unread value",
       Replace(o, R"("resultType":"Success")", R"("resultType":[1,2})")},
      {"deep unread value",
       Replace(o, R"("resultType":"Success")",
               "\"resultType\":" + std::string(80, '[') + std::string(80, ']'))},
      {"key not a string", Replace(o, R"("resultType":"Success")", R"(resultType:"Success")")},
      {"invalid UTF-8", Replace(o, R"("Success")", "\"Suc\xff\xfe\"")},
      {"raw control character", Replace(o, R"("Success")", "\"Suc\x01\"")},
  };
  return c;
}

// Cases the fast path reads itself (the others it hands to the general reader).
const std::set<std::string> kFastForms = {"time without zone",
                                          "time without fraction",
                                          "time lower-case",
                                          "time with a space",
                                          "time on Feb 29",
                                          "ordinary",
                                          "uri claims",
                                          "escape in an unread value",
                                          "escape in an unused claim",
                                          "time with offset",
                                          "unknown operation",
                                          "operation in other case",
                                          "other category",
                                          "category in other case",
                                          "no category",
                                          "keys in other case",
                                          "duplicate key",
                                          "numeric claims",
                                          "idtyp app",
                                          "name claim",
                                          "ipaddr claim only",
                                          "top-level HSM fields",
                                          "tenantId",
                                          "duration number",
                                          "duration fraction string",
                                          "duration empty",
                                          "duration negative",
                                          "status string",
                                          "ip with port",
                                          "ip v4 with port",
                                          "ip placeholder",
                                          "ip leading zero",
                                          "ip spaces",
                                          "target issuer",
                                          "target vault level",
                                          "blanks between tokens",
                                          "envelope",
                                          "empty envelope",
                                          "envelope with more members",
                                          "record with a records member",
                                          "records not an array",
                                          "control character before an unused value"};

struct Output {
  std::vector<std::string> lines;  // one per event or dead letter, in order
  IngestCounters counters;
};

class RenderingSink : public RecordSink {
 public:
  explicit RenderingSink(Output* out) : out_(out) {}
  void OnEvent(vw::v1::AccessEvent&& e) override {
    out_->lines.push_back("event " + e.ShortDebugString());
  }
  void OnDeadLetter(DeadLetter&& d) override {
    out_->lines.push_back("dead " + d.reason + " | " + d.source.ShortDebugString() + " | " + d.raw);
  }

 private:
  Output* out_;
};

// Feeds `input` as IngestFile does: line-aligned chunks of about `chunk` bytes (0: whole).
Output Read(const std::string& input, bool fast, size_t chunk, size_t max_record_bytes = 1 << 20) {
  IngestOptions options;
  options.fast_path = fast;
  options.max_record_bytes = max_record_bytes;
  Ingestor ingestor(options);
  Output out;
  RenderingSink sink(&out);
  vw::v1::SourcePosition base;
  base.set_source("test.ndjson");
  base.set_partition(-1);
  int64_t line = 1;
  for (size_t pos = 0; pos < input.size();) {
    size_t end = chunk == 0 ? input.size() : std::min(input.size(), pos + chunk);
    size_t nl = input.rfind('\n', end - 1);
    if (end < input.size() && nl != std::string::npos && nl >= pos) end = nl + 1;
    base.set_offset(static_cast<int64_t>(pos));
    std::string part = input.substr(pos, end - pos);  // its own buffer: ASan sees over-reads
    ingestor.IngestLines(part, base, line, sink);
    for (char c : part) line += c == '\n';
    pos = end;
  }
  out.counters = ingestor.counters();
  return out;
}

Output ReadMessage(const std::string& input, bool fast) {
  IngestOptions options;
  options.fast_path = fast;
  Ingestor ingestor(options);
  Output out;
  RenderingSink sink(&out);
  vw::v1::SourcePosition base;
  base.set_source("topic");
  base.set_partition(3);
  base.set_offset(77);
  ingestor.Ingest(input, base, sink);
  out.counters = ingestor.counters();
  return out;
}

void ExpectSame(const Output& fast, const Output& general, const std::string& what) {
  ASSERT_EQ(fast.lines.size(), general.lines.size()) << what;
  for (size_t i = 0; i < fast.lines.size(); ++i) {
    EXPECT_EQ(fast.lines[i], general.lines[i]) << what << ", output " << i;
  }
  EXPECT_EQ(fast.counters.records_in, general.counters.records_in) << what;
  EXPECT_EQ(fast.counters.accepted, general.counters.accepted) << what;
  EXPECT_EQ(fast.counters.deadlettered, general.counters.deadlettered) << what;
  EXPECT_EQ(fast.counters.skipped, general.counters.skipped) << what;
  EXPECT_EQ(general.counters.fast_path, 0u) << what;
}

std::string Padding(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i % 2 ? kUriClaims : kOrdinary) + "\n";
  return s;
}

TEST(FastPathTest, EachCaseBetweenOrdinaryRecordsReadsAsTheGeneralReaderReadsIt) {
  for (const auto& [name, line] : Cases()) {
    std::string input = Padding(3) + line + "\n" + Padding(3);
    for (size_t chunk : {size_t{0}, size_t{2048}}) {
      Output fast = Read(input, true, chunk);
      Output general = Read(input, false, chunk);
      ExpectSame(fast, general, name + " (chunk " + std::to_string(chunk) + ")");
      // Lines of the forms the fast path reads went that way, every record of them.
      if (kFastForms.count(name) > 0) {
        EXPECT_EQ(fast.counters.fast_path, fast.counters.records_in) << name;
      } else {
        EXPECT_LT(fast.counters.fast_path, fast.counters.records_in) << name;
      }
    }
    Output small_fast = Read(input, true, 0, 1200);  // some lines oversize
    Output small_general = Read(input, false, 0, 1200);
    ExpectSame(small_fast, small_general, name + " (max_record_bytes 1200)");
  }
}

TEST(FastPathTest, OrdinaryRecordsTakeTheFastPath) {
  std::string input = Padding(10);
  Output fast = Read(input, true, 0);
  EXPECT_EQ(fast.counters.accepted, 10u);
  EXPECT_EQ(fast.counters.fast_path, 10u);
  ExpectSame(fast, Read(input, false, 0), "padding");
}

TEST(FastPathTest, AllCasesTogetherInManyChunkings) {
  std::string input = "\xEF\xBB\xBF" + kOrdinary + "\r\n\n   \n";
  for (int round = 0; round < 3; ++round) {
    for (const auto& [name, line] : Cases()) {
      input += line + (round == 1 ? "\r\n" : "\n");
      if (round == 2) input += "  \t \n";
    }
  }
  input += Padding(5);
  for (size_t chunk : {size_t{0}, size_t{700}, size_t{4096}, size_t{65536}}) {
    ExpectSame(Read(input, true, chunk), Read(input, false, chunk),
               "all cases, chunk " + std::to_string(chunk));
  }
  ExpectSame(ReadMessage(input, true), ReadMessage(input, false), "all cases as one message");
}

// A window of lines (the fast path's unit) ending inside a long run of clean lines, then a bad
// line after thousands of good ones: positions and line numbers stay right across windows.
TEST(FastPathTest, LongInputsAcrossWindows) {
  std::string input;
  for (int i = 0; i < 3000; ++i) {
    input += (i % 3 ? kOrdinary : kUriClaims) + "\n";
    if (i == 1500) input += "{\"broken\":\n";
    if (i == 2500) input += "\n\n";
  }
  Output fast = Read(input, true, 1 << 20);
  ExpectSame(fast, Read(input, false, 1 << 20), "long input");
  EXPECT_GT(fast.counters.fast_path, 2900u);
}

std::string Envelope(int records) {
  std::string env = R"({"records":[)";
  for (int i = 0; i < records; ++i) env += (i > 0 ? "," : "") + (i % 2 ? kUriClaims : kOrdinary);
  return env + "]}";
}

// Envelope lines longer than a window (Event Hubs batches), as NDJSON and as one Kafka message
// without a final newline; a line longer than stage 1's capacity goes to the general reader.
TEST(FastPathTest, LongEnvelopeLinesAndMessages) {
  std::string env = Envelope(60);
  std::string input = Padding(2) + env + "\n" + Padding(2) + env + "\n";
  Output fast = Read(input, true, 0);
  ExpectSame(fast, Read(input, false, 0), "envelope lines");
  EXPECT_EQ(fast.counters.fast_path, fast.counters.records_in);
  EXPECT_EQ(fast.counters.accepted, 124u);

  Output message = ReadMessage(env, true);
  ExpectSame(message, ReadMessage(env, false), "envelope message");
  EXPECT_EQ(message.counters.fast_path, 60u);

  std::string huge = Envelope(1300);  // more than 1 MiB
  ASSERT_GT(huge.size(), size_t{1} << 20);
  std::string huge_input = Padding(2) + huge + "\n" + Padding(2);
  Output huge_fast = Read(huge_input, true, 0);
  ExpectSame(huge_fast, Read(huge_input, false, 0), "huge envelope line");
  EXPECT_EQ(huge_fast.counters.accepted, 1304u);
  EXPECT_LT(huge_fast.counters.fast_path, 1300u);
  ExpectSame(ReadMessage(huge, true), ReadMessage(huge, false), "huge envelope message");
}

std::string SharedDir() {
  const char* d = std::getenv("VW_SHARED_DIR");
  return d ? d : "";
}

// The real samples: the NDJSON file as it is, and every record of the other files minified onto
// a line of its own.
TEST(FastPathTest, RealSamples) {
  ASSERT_FALSE(SharedDir().empty()) << "VW_SHARED_DIR must point at ../shared";
  namespace fs = std::filesystem;
  std::string input;
  simdjson::dom::parser parser;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(SharedDir()) / "data/real")) {
    if (!entry.is_regular_file()) continue;
    std::string path = entry.path().string();
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (path.ends_with(".ndjson")) {
      input += text;
      if (!text.empty() && text.back() != '\n') input += '\n';
      continue;
    }
    if (!path.ends_with(".json")) continue;
    simdjson::dom::element root;
    if (parser.parse(text).get(root)) continue;
    std::vector<std::string> lines;
    simdjson::dom::element message;
    std::string_view inner;
    if (!root.at_pointer("/input/message").get(message) && !message.get_string().get(inner)) {
      simdjson::dom::parser inner_parser;
      simdjson::dom::element record;
      if (!inner_parser.parse(std::string(inner)).get(record)) {
        lines.push_back(simdjson::minify(record));
      }
    } else {
      simdjson::dom::array records;
      if (!root["records"].get(records) || !root.get(records)) {
        for (simdjson::dom::element r : records) lines.push_back(simdjson::minify(r));
      }
      lines.push_back(simdjson::minify(root));
    }
    for (const std::string& l : lines) input += l + "\n";
  }
  input += Padding(3);
  Output fast = Read(input, true, 0);
  ExpectSame(fast, Read(input, false, 0), "real samples");
  EXPECT_GT(fast.counters.accepted, 40u);
  EXPECT_GT(fast.counters.fast_path, 20u);
}

}  // namespace
}  // namespace vw::ingest
