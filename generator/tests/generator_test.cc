#include "generator/generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/time_format.h"
#include "generator/scenarios.h"
#include "generator/tests/test_util.h"

namespace vw::gen {
namespace {

using testing::SmallOptions;
using testing::StringSink;

struct GenRun {
  std::string text;
  std::vector<Label> labels;
  GeneratorStats stats;
};

GenRun Generate(const GeneratorOptions& o) {
  auto g = Generator::Create(o);
  EXPECT_TRUE(g.ok()) << g.status();
  StringSink sink;
  Status st = (*g)->Run(sink);
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_TRUE(sink.closed);
  return {sink.text, (*g)->labels(), (*g)->stats()};
}

std::vector<std::string_view> Lines(const std::string& text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.emplace_back(text.data() + pos, nl - pos);
    pos = nl + 1;
  }
  return out;
}

// A parsed record, with the fields the tests look at.
struct Rec {
  std::string time, resource_id, op, ip, sig, claim_keys, vault_host, id;
  int64_t t_us = 0;
  int64_t http = 0;
  bool has_identity = false;
  std::string caller;  // oid
};

std::vector<Rec> Parse(const std::string& text) {
  std::vector<Rec> out;
  simdjson::dom::parser parser;
  for (std::string_view line : Lines(text)) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS) << line;
    Rec r;
    std::string_view s;
    EXPECT_EQ(doc["time"].get_string().get(s), simdjson::SUCCESS);
    r.time = std::string(s);
    auto t = ParseRfc3339(r.time);
    EXPECT_TRUE(t.ok()) << r.time;
    r.t_us = t.ok() ? t->micros() : 0;
    EXPECT_EQ(doc["resourceId"].get_string().get(s), simdjson::SUCCESS);
    r.resource_id = std::string(s);
    EXPECT_EQ(doc["operationName"].get_string().get(s), simdjson::SUCCESS);
    r.op = std::string(s);
    EXPECT_EQ(doc["callerIpAddress"].get_string().get(s), simdjson::SUCCESS);
    r.ip = std::string(s);
    EXPECT_EQ(doc["resultSignature"].get_string().get(s), simdjson::SUCCESS);
    r.sig = std::string(s);
    EXPECT_EQ(doc["durationMs"].get_string().get(s), simdjson::SUCCESS)
        << "durationMs must be a string";
    EXPECT_EQ(doc["category"].get_string().get(s), simdjson::SUCCESS);
    EXPECT_EQ(s, "AuditEvent");
    EXPECT_EQ(doc["resultType"].get_string().get(s), simdjson::SUCCESS);
    EXPECT_EQ(s, "Success");
    EXPECT_EQ(doc["properties"]["httpStatusCode"].get_int64().get(r.http), simdjson::SUCCESS);
    EXPECT_EQ(doc["properties"]["requestUri"].get_string().get(s), simdjson::SUCCESS);
    if (doc["properties"]["id"].get_string().get(s) == simdjson::SUCCESS) r.id = std::string(s);
    simdjson::dom::object claim;
    if (doc["identity"]["claim"].get_object().get(claim) == simdjson::SUCCESS) {
      r.has_identity = true;
      for (auto field : claim) {
        r.claim_keys += std::string(field.key) + ",";
        if (field.key == "oid" ||
            field.key == "http://schemas.microsoft.com/identity/claims/objectidentifier") {
          std::string_view v;
          EXPECT_EQ(field.value.get_string().get(v), simdjson::SUCCESS);
          r.caller = std::string(v);
        }
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(GeneratorTest, SameSeedSameBytesOtherSeedOtherBytes) {
  GeneratorOptions o = SmallOptions();
  GenRun a = Generate(o), b = Generate(o);
  ASSERT_FALSE(a.text.empty());
  EXPECT_EQ(a.text, b.text);
  ASSERT_EQ(a.labels.size(), b.labels.size());
  for (size_t i = 0; i < a.labels.size(); ++i)
    EXPECT_EQ(LabelJson(a.labels[i]), LabelJson(b.labels[i]));
  o.seed = 8;
  GenRun c = Generate(o);
  EXPECT_NE(a.text, c.text);
}

TEST(GeneratorTest, RecordsLookLikeAzureAuditEvents) {
  GenRun r = Generate(SmallOptions());
  std::vector<Rec> recs = Parse(r.text);
  ASSERT_EQ(recs.size(), r.stats.records);
  // ~20,000 a weekday (plus 401s and attacks), fewer at weekends: 4 days Mon-Thu.
  EXPECT_GT(r.stats.records, 60000u);
  EXPECT_LT(r.stats.records, 130000u);
  std::set<std::string> ops;
  bool jwt_shape = false, uri_shape = false;
  int64_t auth = 0, denied = 0, missing = 0;
  for (const Rec& rec : recs) {
    ops.insert(rec.op);
    EXPECT_EQ(rec.resource_id.rfind("/SUBSCRIPTIONS/", 0), 0u) << rec.resource_id;
    EXPECT_NE(rec.resource_id.find("/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/"), std::string::npos);
    if (rec.op == "Authentication") {
      ++auth;
      EXPECT_EQ(rec.http, 401);
      EXPECT_EQ(rec.sig, "Unauthorized");
      EXPECT_FALSE(rec.has_identity) << "a 401 challenge carries no identity";
    } else {
      EXPECT_TRUE(rec.has_identity) << rec.op;
      EXPECT_FALSE(rec.caller.empty()) << rec.claim_keys;
    }
    if (rec.claim_keys.rfind("oid,", 0) == 0) jwt_shape = true;
    if (rec.claim_keys.find("http://schemas.microsoft.com/identity/claims/objectidentifier") !=
        std::string::npos) {
      uri_shape = true;
    }
    if (rec.http == 403) {
      ++denied;
      EXPECT_EQ(rec.sig, "Forbidden");
    }
    if (rec.http == 404) {
      ++missing;
      EXPECT_EQ(rec.sig, "Not Found");
    }
  }
  EXPECT_TRUE(jwt_shape);
  EXPECT_TRUE(uri_shape);
  EXPECT_GT(auth, static_cast<int64_t>(recs.size() / 200)) << "401 challenges should be ~1-3%";
  EXPECT_LT(auth, static_cast<int64_t>(recs.size() / 15));
  EXPECT_GT(denied, 0);
  EXPECT_GT(missing, 0);
  for (const char* op : {"SecretGet", "SecretList", "VaultGet", "KeyUnwrap", "KeySign",
                         "KeyDecrypt", "SecretSet", "KeyList", "VaultPatch", "Authentication"}) {
    EXPECT_TRUE(ops.count(op)) << op;
  }
}

TEST(GeneratorTest, FieldsAreASubsetOfTheRealSamples) {
  const char* shared = std::getenv("VW_SHARED_DIR");
  ASSERT_NE(shared, nullptr) << "VW_SHARED_DIR must be set (ctest sets it)";
  std::string path =
      std::string(shared) +
      "/data/real/sekoia-io_intake-formats_azure-key-vault/auditevent_records.ndjson";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  simdjson::dom::parser parser;
  std::set<std::string> real_top, real_props, real_claims;
  real_top.insert("resultDescription");
  const std::string real = ss.str();
  for (std::string_view line : Lines(real)) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS);
    // Named objects, not `for (f : x.get_object().value())`: value() returns a reference into the
    // temporary simdjson_result, which dies before the loop runs (GCC 12 -O2 rightly warns).
    simdjson::dom::object top, props, claims;
    ASSERT_EQ(doc.get_object().get(top), simdjson::SUCCESS);
    ASSERT_EQ(doc["properties"].get_object().get(props), simdjson::SUCCESS);
    ASSERT_EQ(doc["identity"]["claim"].get_object().get(claims), simdjson::SUCCESS);
    for (auto f : top) real_top.insert(std::string(f.key));
    for (auto f : props) real_props.insert(std::string(f.key));
    for (auto f : claims) real_claims.insert(std::string(f.key));
  }
  // Claims the real samples lack but Azure emits (tenant id, token type).
  for (const char* k : {"tid", "idtyp", "http://schemas.microsoft.com/identity/claims/tenantid"})
    real_claims.insert(k);
  // Access-policy changes (docs/scenarios.md section 2) are not in the samples.
  real_props.insert("addedAccessPolicy");
  real_props.insert("removedAccessPolicy");

  GenRun r = Generate(SmallOptions());
  size_t checked = 0;
  for (std::string_view line : Lines(r.text)) {
    if (++checked > 20000) break;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS);
    simdjson::dom::object top, props;
    ASSERT_EQ(doc.get_object().get(top), simdjson::SUCCESS);
    ASSERT_EQ(doc["properties"].get_object().get(props), simdjson::SUCCESS);
    for (auto f : top) EXPECT_TRUE(real_top.count(std::string(f.key))) << f.key;
    for (auto f : props) EXPECT_TRUE(real_props.count(std::string(f.key))) << f.key;
    simdjson::dom::object claim;
    if (doc["identity"]["claim"].get_object().get(claim) == simdjson::SUCCESS) {
      for (auto f : claim) EXPECT_TRUE(real_claims.count(std::string(f.key))) << f.key;
    }
  }
}

TEST(GeneratorTest, LateRecordsAreAtMostTenMinutesOutOfOrder) {
  GeneratorOptions o = SmallOptions();
  GenRun r = Generate(o);
  std::vector<Rec> recs = Parse(r.text);
  int64_t max_seen = INT64_MIN, worst = 0, behind = 0;
  for (const Rec& rec : recs) {
    if (rec.t_us < max_seen) {
      ++behind;
      worst = std::max(worst, max_seen - rec.t_us);
    }
    max_seen = std::max(max_seen, rec.t_us);
  }
  EXPECT_GT(behind, 0);
  EXPECT_LE(worst, 600LL * 1000000);
  double late = static_cast<double>(r.stats.late) / static_cast<double>(r.stats.records);
  EXPECT_GT(late, 0.02);
  EXPECT_LT(late, 0.04);

  o.late_fraction = 0;
  GenRun inorder = Generate(o);
  std::vector<Rec> sorted = Parse(inorder.text);
  int64_t prev = INT64_MIN, backwards = 0;
  for (const Rec& rec : sorted) {
    if (prev != INT64_MIN && rec.t_us < prev - 60LL * 1000000) {  // only 401 clamps, spill-over
      ++backwards;
      ADD_FAILURE() << rec.time << " after " << FormatRfc3339(EventTime::FromMicros(prev)) << " "
                    << rec.op;
    }
    prev = std::max(prev, rec.t_us);
  }
  EXPECT_EQ(backwards, 0);
}

TEST(GeneratorTest, EveryAlertTypeHasAPrimaryLabelAfterTheHistory) {
  GeneratorOptions o = SmallOptions();
  GenRun r = Generate(o);
  std::set<std::string> primary;
  const int64_t history_end = o.start_us + int64_t{o.history_days} * 86400 * 1000000;
  for (const Label& l : r.labels) {
    EXPECT_LE(l.start, l.end);
    EXPECT_GE(l.start.micros(), history_end) << l.scenario;
    EXPECT_TRUE(l.role == "primary" || l.role == "incidental");
    if (l.role == "primary") {
      EXPECT_TRUE(primary.insert(l.alert_type).second) << "one primary per type";
    }
    EXPECT_FALSE(l.vault.empty() && l.caller.empty() && l.ip.empty()) << l.scenario;
  }
  EXPECT_EQ(primary.size(), 20u);
  for (const ScenarioInfo& s : AllScenarios())
    EXPECT_TRUE(primary.count(s.alert_type)) << s.alert_type;
  EXPECT_GT(r.stats.attack, 0u);
  EXPECT_EQ(r.stats.attack + r.stats.benign, r.stats.records);
}

TEST(GeneratorTest, ScenarioSelectionAndErrors) {
  GeneratorOptions o = SmallOptions();
  o.scenarios = "list-get,KV_TORAccess";
  GenRun r = Generate(o);
  std::set<std::string> types;
  for (const Label& l : r.labels) {
    if (l.role == "primary") types.insert(l.alert_type);
  }
  EXPECT_EQ(types, (std::set<std::string>{"KV_ListGetAnomaly", "KV_TORAccess"}));
  o.scenarios = "none";
  GenRun none = Generate(o);
  EXPECT_TRUE(none.labels.empty());
  EXPECT_EQ(none.stats.attack, 0u);
  o.scenarios = "no-such-thing";
  EXPECT_FALSE(Generator::Create(o).ok());
  o.scenarios = "all";
  o.days = 2;  // no room after the 2-day history
  EXPECT_FALSE(Generator::Create(o).ok());
  o = SmallOptions();
  o.tenant = "huge";
  EXPECT_FALSE(Generator::Create(o).ok());
}

// Benign traffic must not contain what only attacks do (docs/scenarios.md, "Never in benign
// traffic").
// The enterprise routines (enterprise.h) do delete, purge and back up on purpose: they are left out
// here and checked by RoutinesRecurInTheHistoryAndTheEvaluationDays.
TEST(GeneratorTest, BenignTrafficAvoidsAttackOnlyPatterns) {
  GeneratorOptions o = SmallOptions();
  o.scenarios = "none";
  o.routines = false;
  o.days = 9;  // more than a week: weekly admin patches appear
  GenRun r = Generate(o);
  const char* src = std::getenv("VW_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  auto intel = LoadIntelLists(std::string(src) + "/configs/threat-intel");
  ASSERT_TRUE(intel.ok());
  // (user, minute) -> reads, to check no user does >= 10 reads a minute.
  std::map<std::pair<std::string, int64_t>, int> per_minute;
  for (const Rec& rec : Parse(r.text)) {
    EXPECT_FALSE(intel->tor.ContainsV4(rec.ip)) << rec.ip;
    EXPECT_FALSE(intel->suspicious.ContainsV4(rec.ip)) << rec.ip;
    for (const char* op : {"Delete", "Purge", "Backup"}) {
      EXPECT_EQ(rec.op.find(op), std::string::npos) << rec.op;
    }
    if (rec.claim_keys.find("upn") != std::string::npos && rec.op != "VaultGet") {
      int& n = per_minute[{rec.caller, rec.t_us / 60000000}];
      EXPECT_LT(++n, 10) << "a user at >= 10 requests a minute";
    }
  }
}

// The benign enterprise routines recur through the history and again in the days after it, where
// the attacks are: each kind on several distinct days on both sides of day history_days.
TEST(GeneratorTest, RoutinesRecurInTheHistoryAndTheEvaluationDays) {
  GeneratorOptions o = SmallOptions();
  o.scenarios = "none";
  o.days = 16;
  o.history_days = 14;
  GenRun r = Generate(o);
  const int64_t start_day = o.start_us / (86400LL * 1000000);
  std::map<std::string, std::set<int64_t>> days;  // routine -> days it was seen on
  for (const Rec& rec : Parse(r.text)) {
    const int64_t day = rec.t_us / (86400LL * 1000000) - start_day;
    if (rec.op == "SecretBackup") days["backup"].insert(day);
    if (rec.op == "SecretPurge") days["ci purge"].insert(day);
    if (rec.op == "KeyPurge") days["ci key purge"].insert(day);
    if (rec.op == "VaultDelete") days["ephemeral vault"].insert(day);
    if (rec.http == 429) days["throttling"].insert(day);
  }
  for (const char* k : {"backup", "ci purge", "ephemeral vault", "throttling"}) {
    ASSERT_TRUE(days.count(k)) << k;
    EXPECT_GE(std::count_if(days[k].begin(), days[k].end(), [](int64_t d) { return d < 14; }), 3)
        << k << " in the history";
    EXPECT_GE(*days[k].rbegin(), 12) << k << " around the evaluation days";
  }
  EXPECT_GE(days["ci key purge"].size(), 2u) << "weekly key clean-up";
  EXPECT_EQ(days["backup"].size(), 16u) << "nightly";
}

// The secret dump: one SecretList, then >= 40 distinct SecretGets within minutes, by a caller that
// never listed on that vault during the history.
TEST(GeneratorTest, ListGetScenarioHasItsShape) {
  GeneratorOptions o = SmallOptions();
  o.scenarios = "list-get";
  GenRun r = Generate(o);
  const Label* label = nullptr;
  for (const Label& l : r.labels) {
    if (l.role == "primary") label = &l;
  }
  ASSERT_NE(label, nullptr);
  int lists_before = 0, lists_in = 0;
  std::set<std::string> secrets;
  for (const Rec& rec : Parse(r.text)) {
    if (rec.caller != label->caller || Lower(rec.resource_id) != label->vault) continue;
    bool in = rec.t_us >= label->start.micros() && rec.t_us <= label->end.micros();
    if (rec.op == "SecretList") (in ? lists_in : lists_before)++;
    if (in && rec.op == "SecretGet" && rec.http == 200)
      secrets.insert(rec.id.substr(0, rec.id.rfind('/')));
  }
  EXPECT_EQ(lists_before, 0);
  EXPECT_EQ(lists_in, 1);
  EXPECT_GE(secrets.size(), 40u);
  EXPECT_LE(label->end.micros() - label->start.micros(), 10LL * 60 * 1000000 + 30 * 1000000);
}

TEST(GeneratorTest, EnvelopesCarryTheSameRecords) {
  GeneratorOptions o = SmallOptions();
  GenRun bare = Generate(o);
  o.envelope = true;
  o.envelope_size = 37;
  auto g = Generator::Create(o);
  ASSERT_TRUE(g.ok());
  StringSink sink;
  ASSERT_TRUE((*g)->Run(sink).ok());
  simdjson::dom::parser parser;
  size_t records = 0, lines = 0;
  for (std::string_view line : Lines(sink.text)) {
    ++lines;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS);
    simdjson::dom::array arr;
    ASSERT_EQ(doc["records"].get_array().get(arr), simdjson::SUCCESS);
    EXPECT_LE(arr.size(), 37u);
    records += arr.size();
  }
  EXPECT_EQ(records, bare.stats.records);
  EXPECT_EQ(lines, (*g)->stats().messages);
  EXPECT_EQ(sink.message_ends.size(), lines);
}

TEST(GeneratorTest, TenantPresetsHaveTheirSizes) {
  for (auto [name, vaults, ids] : {std::tuple{"small", 20, 60}, {"medium", 200, 1000}}) {
    GeneratorOptions o = SmallOptions();
    o.tenant = name;
    o.scenarios = "none";
    auto g = Generator::Create(o);
    ASSERT_TRUE(g.ok()) << g.status();
    size_t base_vaults = 0, base_ids = 0;
    for (const Vault& v : (*g)->tenant().vaults) base_vaults += v.created_day == 0;
    for (const Identity& id : (*g)->tenant().identities) {
      base_ids += id.active_from_day == 0 && id.role != Role::kRoutine;  // not the automation
    }
    EXPECT_EQ(base_vaults, static_cast<size_t>(vaults));
    EXPECT_EQ(base_ids, static_cast<size_t>(ids));
  }
}

TEST(GeneratorTest, SummaryJsonHasTheCounts) {
  GenRun r = Generate(SmallOptions());
  std::string s = SummaryJson(SmallOptions(), r.stats, r.labels.size());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(s).get(doc), simdjson::SUCCESS) << s;
  EXPECT_EQ(static_cast<uint64_t>(doc["events_benign"].get_int64().value()), r.stats.benign);
  EXPECT_EQ(static_cast<uint64_t>(doc["events_attack"].get_int64().value()), r.stats.attack);
}

}  // namespace
}  // namespace vw::gen
