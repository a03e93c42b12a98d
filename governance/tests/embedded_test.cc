// EmbeddedGovernance: the privacy and feedback wiring of the embedded `vaultwatch detect`, through
// the real RunDetect (ingest, Engine, RocksDB StateStore) over 16 days of generator traffic with
// labelled attacks. What the binary adds on top (flags, exit codes) is covered by
// tests/e2e/governance_embedded.sh.
#include "governance/embedded.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/time_format.h"
#include "governance/tests/test_traffic.h"
#include "state/key_digest.h"
#include "state/state_store.h"
#include "tests/support/text_files.h"

namespace vw::governance {
namespace {

using ::vw::testing::Lines;
using ::vw::testing::ReadFile;

const std::string kKey = "embedded-test-key-0123456789";
const std::string kOtherKey = "another-embedded-key-9876543210";

// The clear identities of the input: what must never reach pseudonymised outputs.
struct Identities {
  std::set<std::string> object_ids, upns, ips, app_ids;
  // The stored-key digests (state/key_digest.h) of the clear identities that key state (a
  // caller's object id or address): unkeyed, so anyone with a list of identities can confirm one.
  std::set<std::string> key_digests;
  std::set<std::string> ip_bytes;  // 4 or 16 raw bytes (AccessEvent.caller.ip)
};

struct RunResult {
  Status status;
  std::string output;
  detect::DetectRunSummary summary;
  std::unique_ptr<EmbeddedGovernance> gov;
};

class EmbeddedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("vw-embedded-" + std::to_string(getpid())));
    std::filesystem::create_directories(*dir_);
    gen::GeneratorOptions o;
    o.seed = 11;
    o.days = 16;
    o.events_per_day = 4000;
    o.repeat = 3;  // scenarios repeat for the same entity in later windows (feedback test)
    const char* src = std::getenv("VW_SOURCE_DIR");
    o.intel_dir = std::string(src != nullptr ? src : ".") + "/configs/threat-intel";
    auto g = gen::Generator::Create(o);
    ASSERT_TRUE(g.ok()) << g.status();
    StringSink sink;
    ASSERT_TRUE((*g)->Run(sink).ok());
    std::ofstream(*dir_ + "/input.ndjson", std::ios::binary) << sink.bytes;
    ids_ = new Identities();
    ingest::Ingestor ingestor;
    Events events;
    v1::SourcePosition base;
    base.set_source("generated");
    ingestor.IngestLines(sink.bytes, base, 1, events);
    for (const v1::AccessEvent& e : events.events) {
      const v1::Caller& c = e.caller();
      if (!c.object_id().empty()) ids_->object_ids.insert(c.object_id());
      if (!c.upn().empty()) ids_->upns.insert(c.upn());
      if (!c.ip_text().empty()) ids_->ips.insert(c.ip_text());
      if (!c.ip().empty()) ids_->ip_bytes.insert(c.ip());
      if (!c.app_id().empty()) ids_->app_ids.insert(c.app_id());
      for (const std::string& id : e.policy_change().added_object_ids()) {
        ids_->object_ids.insert(id);
      }
      for (const std::string& id : e.policy_change().removed_object_ids()) {
        ids_->object_ids.insert(id);
      }
    }
    // Application ids stay clear by design (docs/privacy.md); an id that is both is not checked.
    for (const std::string& a : ids_->app_ids) ids_->object_ids.erase(a);
    for (const auto* set : {&ids_->object_ids, &ids_->ips}) {
      for (const std::string& x : *set) {
        std::string digest;
        state::AppendKeyDigest(&digest, x);
        ids_->key_digests.insert(digest);
      }
    }
    ASSERT_GT(ids_->object_ids.size(), 10u);
    ASSERT_GT(ids_->upns.size(), 5u);
    ASSERT_GT(ids_->ips.size(), 10u);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete ids_;
  }
  void SetUp() override {
    setenv(kDefaultPseudonymKeyEnv, kKey.c_str(), 1);
    { std::ofstream(*dir_ + "/other.key") << kOtherKey << "\n"; }
  }

  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }

  // `detect` as the command runs it: RunDetect with the hooks Configure sets.
  static RunResult Run(const PrivacyOptions& privacy, const std::string& state_dir = "",
                       std::function<void(v1::Alert*)> observe = nullptr) {
    RunResult r;
    detect::DetectRunOptions o;
    o.input = Path("input.ndjson");
    o.output = Path("out.jsonl");
    o.state_dir = state_dir;
    auto gov = EmbeddedGovernance::Configure(privacy, &o);
    if (!gov.ok()) {
      r.status = gov.status();
      return r;
    }
    r.gov = std::move(*gov);
    if (observe) {
      EXPECT_FALSE(o.alert_transform);
      o.alert_transform = std::move(observe);
    }
    auto sum = detect::RunDetect(TestConfig(), o);
    if (!sum.ok()) {
      r.status = sum.status();
      return r;
    }
    r.summary = *sum;
    r.output = ReadFile(o.output);
    return r;
  }

  static const RunResult& Clear() {
    static const RunResult* clear = [] {
      auto* r = new RunResult(Run(PrivacyOptions{}));
      return r;
    }();
    return *clear;
  }

  // Clear identities found in `text` (none expected where pseudonymised).
  static std::vector<std::string> Leaks(std::string_view text) {
    std::vector<std::string> found;
    for (const auto* set : {&ids_->object_ids, &ids_->upns, &ids_->ips}) {
      for (const std::string& x : *set) {
        if (text.find(x) != std::string_view::npos) found.push_back(x);
      }
    }
    for (const std::string& d : ids_->key_digests) {
      if (text.find(d) != std::string_view::npos) found.push_back("a clear identity's key digest");
    }
    // Raw addresses inside encoded AccessEvents: the Caller.ip field (6, length-delimited) with
    // its length, so that 4 arbitrary bytes of other data do not count.
    for (const std::string& b : ids_->ip_bytes) {
      std::string field = "\x32";
      field.push_back(static_cast<char>(b.size()));
      if (text.find(field + b) != std::string_view::npos) found.push_back("raw ip bytes");
    }
    return found;
  }

  static std::map<std::string, int> CountByType(const std::string& output) {
    std::map<std::string, int> n;
    for (const std::string& l : Lines(output)) {
      auto a = alerts::ParseAlertJson(l);
      EXPECT_TRUE(a.ok()) << l;
      if (a.ok()) ++n[a->type];
    }
    return n;
  }

  static std::string* dir_;
  static Identities* ids_;
};

std::string* EmbeddedTest::dir_ = nullptr;
Identities* EmbeddedTest::ids_ = nullptr;

TEST_F(EmbeddedTest, ModeNamesAndKeyErrorsNeverShowTheKey) {
  EXPECT_EQ(*ParsePseudonymiseMode("none"), PseudonymiseMode::kNone);
  EXPECT_EQ(*ParsePseudonymiseMode("state"), PseudonymiseMode::kState);
  EXPECT_EQ(*ParsePseudonymiseMode("alerts"), PseudonymiseMode::kAlerts);
  EXPECT_FALSE(ParsePseudonymiseMode("both").ok());

  detect::DetectRunOptions o;
  PrivacyOptions p;
  // No key anywhere.
  unsetenv(kDefaultPseudonymKeyEnv);
  p.pseudonymise = PseudonymiseMode::kState;
  auto missing = EmbeddedGovernance::Configure(p, &o);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("VW_PSEUDONYM_KEY"), std::string::npos);
  EXPECT_FALSE(o.event_transform || o.alert_transform || o.keep_alert);
  // A short key: refused, and not echoed.
  const std::string weak = "weak-secret-xyz";
  setenv(kDefaultPseudonymKeyEnv, weak.c_str(), 1);
  auto short_key = EmbeddedGovernance::Configure(p, &o);
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.status().ToString().find(weak), std::string::npos);
  // The key itself given where a variable name belongs: not echoed either.
  p.key_env = kKey;
  auto key_as_name = EmbeddedGovernance::Configure(p, &o);
  ASSERT_FALSE(key_as_name.ok());
  EXPECT_EQ(key_as_name.status().ToString().find(kKey), std::string::npos);
  EXPECT_EQ(key_as_name.status().ToString().find("embedded-test"), std::string::npos);
  // Both sources, or a key without pseudonymisation: ambiguous, refused.
  p.key_env = "SOME_VAR";
  p.key_file = Path("other.key");
  EXPECT_FALSE(EmbeddedGovernance::Configure(p, &o).ok());
  p.key_env.clear();
  p.pseudonymise = PseudonymiseMode::kNone;
  EXPECT_FALSE(EmbeddedGovernance::Configure(p, &o).ok());
  // A short key file: the file is named, its content is not.
  { std::ofstream(Path("weak.key")) << weak; }
  p.pseudonymise = PseudonymiseMode::kAlerts;
  p.key_file = Path("weak.key");
  auto weak_file = EmbeddedGovernance::Configure(p, &o);
  ASSERT_FALSE(weak_file.ok());
  EXPECT_EQ(weak_file.status().ToString().find(weak), std::string::npos);
  EXPECT_NE(weak_file.status().ToString().find("weak.key"), std::string::npos);
  // A good key file sets exactly the alert pass.
  p.key_file = Path("other.key");
  auto ok = EmbeddedGovernance::Configure(p, &o);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(o.alert_transform);
  EXPECT_FALSE(o.event_transform);
  EXPECT_FALSE(o.keep_alert);
  // A feedback file that cannot be read.
  PrivacyOptions f;
  f.feedback_path = Path("no-such-feedback.jsonl");
  EXPECT_FALSE(EmbeddedGovernance::Configure(f, &o).ok());
}

TEST_F(EmbeddedTest, PseudonymisedStateFiresTheSameAlertsWithoutClearIdentities) {
  const RunResult& clear = Clear();
  ASSERT_TRUE(clear.status.ok()) << clear.status;
  // Positive control: the leak check finds the clear run's identities.
  ASSERT_FALSE(Leaks(clear.output).empty());

  PrivacyOptions p;
  p.pseudonymise = PseudonymiseMode::kState;
  const std::string state = Path("state-pseudo");
  RunResult r = Run(p, state);
  ASSERT_TRUE(r.status.ok()) << r.status;
  const auto by_type = CountByType(r.output);
  EXPECT_EQ(by_type, CountByType(clear.output));
  EXPECT_EQ(r.summary.alerts_by_type, clear.summary.alerts_by_type);
  // Every labelled attack type still fires, the IP ones included (facts looked up before).
  for (const char* t : {"KV_TORAccess", "KV_SuspiciousIPAccess", "KV_UnusualAccessSuspiciousIP",
                        "KV_UserAnomaly", "KV_AccessPolicyFlip", "KV_ListGetAnomaly"}) {
    EXPECT_GT(by_type.count(t), 0u) << t;
  }
  EXPECT_EQ(Leaks(r.output), std::vector<std::string>{});

  // Pseudonyms are hashed once: each account / ip entity is the pseudonym of a clear identity.
  auto pseudo = alerts::Pseudonymiser::FromKey(kKey);
  ASSERT_TRUE(pseudo.ok());
  std::set<std::string> expected_accounts(ids_->app_ids.begin(), ids_->app_ids.end());
  for (const std::string& x : ids_->object_ids) expected_accounts.insert(pseudo->ObjectId(x));
  for (const std::string& x : ids_->upns) expected_accounts.insert(pseudo->Upn(x));
  std::set<std::string> expected_ips;
  for (const std::string& x : ids_->ips) expected_ips.insert(pseudo->IpText(x));
  size_t accounts = 0, ips = 0;
  for (const std::string& l : Lines(r.output)) {
    auto a = alerts::ParseAlertJson(l);
    ASSERT_TRUE(a.ok());
    for (const std::string& x : a->accounts) {
      ++accounts;
      EXPECT_EQ(expected_accounts.count(x), 1u) << x;
    }
    for (const std::string& x : a->ips) {
      ++ips;
      EXPECT_EQ(expected_ips.count(x), 1u) << x;
    }
  }
  EXPECT_GT(accounts, 0u);
  EXPECT_GT(ips, 0u);

  // The state: every committed key and value (decoded: SST blocks are compressed) and the raw
  // files (the WAL is not).
  size_t entries = 0;
  std::vector<std::string> state_leaks;
  {
    state::StoreOptions so;
    so.path = state;
    auto store = state::StateStore::Open(so);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->ForEachCommitted([&](std::string_view k, std::string_view v) {
                      ++entries;
                      for (auto& x : Leaks(k)) state_leaks.push_back("key: " + x);
                      for (auto& x : Leaks(v)) state_leaks.push_back("value: " + x);
                    })
                    .ok());
  }
  EXPECT_GT(entries, 100u);
  EXPECT_EQ(state_leaks, std::vector<std::string>{});
  for (const auto& f : std::filesystem::recursive_directory_iterator(state)) {
    if (!f.is_regular_file()) continue;
    EXPECT_EQ(Leaks(ReadFile(f.path())), std::vector<std::string>{}) << f.path();
  }

  // Same key: the same bytes. Another key: other pseudonyms, the same alerts otherwise.
  RunResult again = Run(p, Path("state-pseudo-2"));
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(again.output, r.output);
  PrivacyOptions other = p;
  other.key_file = Path("other.key");
  RunResult o = Run(other, Path("state-pseudo-3"));
  ASSERT_TRUE(o.status.ok());
  EXPECT_EQ(CountByType(o.output), by_type);
  auto people = [](const std::string& output) {
    std::set<std::string> s;
    for (const std::string& l : Lines(output)) {
      const alerts::AlertRecord a = *alerts::ParseAlertJson(l);
      for (const std::string& x : a.accounts) {
        if (ids_->app_ids.count(x) == 0) s.insert(x);
      }
    }
    return s;
  };
  const std::set<std::string> first_accounts = people(r.output), other_accounts = people(o.output);
  ASSERT_FALSE(first_accounts.empty());
  std::vector<std::string> common;
  std::set_intersection(first_accounts.begin(), first_accounts.end(), other_accounts.begin(),
                        other_accounts.end(), std::back_inserter(common));
  EXPECT_EQ(common, std::vector<std::string>{});

  // Positive control for the state check: the clear run's state names clear identities.
  RunResult clear_state = Run(PrivacyOptions{}, Path("state-clear"));
  ASSERT_TRUE(clear_state.status.ok());
  size_t clear_leaks = 0;
  {
    state::StoreOptions so;
    so.path = Path("state-clear");
    auto store = state::StateStore::Open(so);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)
                    ->ForEachCommitted([&](std::string_view k, std::string_view v) {
                      clear_leaks += Leaks(k).size() + Leaks(v).size();
                    })
                    .ok());
  }
  EXPECT_GT(clear_leaks, 0u);
}

// Sorted as RunDetect writes them (TimeGenerated, AlertType, SystemAlertId).
std::string Render(std::vector<v1::Alert> alerts) {
  std::stable_sort(alerts.begin(), alerts.end(), [](const v1::Alert& a, const v1::Alert& b) {
    if (a.generated_time_us() != b.generated_time_us()) {
      return a.generated_time_us() < b.generated_time_us();
    }
    if (a.alert_type() != b.alert_type()) return a.alert_type() < b.alert_type();
    return a.system_alert_id() < b.system_alert_id();
  });
  std::string s;
  for (const v1::Alert& a : alerts) s += detect::AlertJson(a) + "\n";
  return s;
}

TEST_F(EmbeddedTest, PseudonymisedAlertsAreTheClearAlertsAfterTheAlertPass) {
  // The clear run's alerts, captured before rendering (the observer changes nothing).
  std::vector<v1::Alert> captured;
  RunResult clear = Run(PrivacyOptions{}, "", [&](v1::Alert* a) { captured.push_back(*a); });
  ASSERT_TRUE(clear.status.ok());
  ASSERT_EQ(Render(captured), clear.output);
  ASSERT_GT(captured.size(), 10u);

  PrivacyOptions p;
  p.pseudonymise = PseudonymiseMode::kAlerts;
  RunResult r = Run(p);
  ASSERT_TRUE(r.status.ok()) << r.status;
  auto pseudo = alerts::Pseudonymiser::FromKey(kKey);
  ASSERT_TRUE(pseudo.ok());
  for (v1::Alert& a : captured) pseudo->Apply(&a);
  EXPECT_EQ(r.output, Render(captured));
  EXPECT_EQ(CountByType(r.output), CountByType(clear.output));
  EXPECT_EQ(Leaks(r.output), std::vector<std::string>{});
  EXPECT_NE(r.output, clear.output);
}

TEST_F(EmbeddedTest, FeedbackSuppressesLaterAlertsOfTheScopeOnly) {
  const RunResult& clear = Clear();
  ASSERT_TRUE(clear.status.ok());
  const std::vector<std::string> lines = Lines(clear.output);
  std::vector<alerts::AlertRecord> al;
  for (const std::string& l : lines) al.push_back(*alerts::ParseAlertJson(l));
  // Same type, vault and accounts: the "entity" scope, computed here independently.
  auto same = [](const alerts::AlertRecord& a, const alerts::AlertRecord& b) {
    std::set<std::string> x(a.accounts.begin(), a.accounts.end());
    std::set<std::string> y(b.accounts.begin(), b.accounts.end());
    return a.type == b.type && a.azure_resource_id == b.azure_resource_id && x == y;
  };
  // The first alert with a later one of its entity, and none at its own time.
  size_t target = al.size();
  for (size_t i = 0; i < al.size() && target == al.size(); ++i) {
    bool later = false, tie = false;
    for (size_t j = 0; j < al.size(); ++j) {
      if (j == i || !same(al[i], al[j])) continue;
      later |= al[j].generated_us > al[i].generated_us;
      tie |= al[j].generated_us == al[i].generated_us;
    }
    if (later && !tie) target = i;
  }
  ASSERT_LT(target, al.size()) << "no alert repeats for its entity: the test would prove nothing";
  const alerts::AlertRecord& a = al[target];
  const size_t tp = target == 0 ? 1 : 0;
  std::string expected;
  int n_expected = 0;
  for (size_t j = 0; j < al.size(); ++j) {
    if (j != target && same(a, al[j]) && al[j].generated_us >= a.generated_us) {
      ++n_expected;
      continue;
    }
    expected += lines[j] + "\n";
  }
  ASSERT_GE(n_expected, 1);
  const std::string t = FormatRfc3339(EventTime::FromMicros(a.generated_us));
  {
    std::ofstream f(Path("feedback.jsonl"));
    f << R"({"SystemAlertId":")" << al[tp].id << R"(","verdict":"true_positive","time":")" << t
      << "\"}\n";
    f << "not a verdict\n";
    f << R"({"SystemAlertId":")" << a.id << R"(","verdict":"benign","time":")" << t
      << R"(","scope":"entity","analyst":"test"})"
      << "\n";
    f << R"({"SystemAlertId":"00000000-0000-0000-0000-000000000000","verdict":"benign","time":")"
      << t << "\"}\n";
  }
  PrivacyOptions p;
  p.feedback_path = Path("feedback.jsonl");
  RunResult r = Run(p);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.output, expected);  // the judged alert kept, every other alert byte-identical
  EXPECT_EQ(r.summary.alerts_filtered, static_cast<uint64_t>(n_expected));
  EXPECT_EQ(r.summary.alerts, clear.summary.alerts);  // what the detectors found
  const FilterStats& s = r.gov->feedback_stats();
  EXPECT_EQ(s.suppressed, static_cast<uint64_t>(n_expected));
  EXPECT_EQ(s.suppressed_by_type.at(a.type), static_cast<uint64_t>(n_expected));
  EXPECT_EQ(s.verdicts, 3u);
  EXPECT_EQ(s.benign, 2u);
  EXPECT_EQ(s.true_positive, 1u);
  EXPECT_EQ(s.unmatched_verdicts, 1u);
  EXPECT_EQ(r.gov->verdict_lines().bad, 1u);
  ASSERT_EQ(r.gov->suppressions().size(), 1u);
  EXPECT_EQ(r.gov->suppressions()[0].source_alert_id, a.id);
  const std::string json = r.gov->MergeSummaryJson(r.summary.ToJson());
  EXPECT_NE(json.find("\"suppressed\":" + std::to_string(n_expected) + ","), std::string::npos);
  EXPECT_NE(json.find("\"unmatched_verdicts\":1,\"bad_lines\":1,\"suppressions\":1"),
            std::string::npos)
      << json;
  EXPECT_NE(r.gov->SummaryText().find(std::to_string(n_expected) + " alerts suppressed"),
            std::string::npos);
  // Deterministic: again, the same bytes.
  EXPECT_EQ(Run(p).output, r.output);

  // An expired benign verdict (ends before the later alerts) and a true positive alone suppress
  // nothing.
  const std::string until = FormatRfc3339(EventTime::FromMicros(a.generated_us + 1000000));
  {
    std::ofstream f(Path("expired.jsonl"));
    f << R"({"SystemAlertId":")" << a.id << R"(","verdict":"benign","time":")" << t
      << R"(","expires":")" << until << "\"}\n";
  }
  p.feedback_path = Path("expired.jsonl");
  RunResult expired = Run(p);
  ASSERT_TRUE(expired.status.ok());
  EXPECT_EQ(expired.output, clear.output);
  EXPECT_EQ(expired.summary.alerts_filtered, 0u);
  EXPECT_EQ(expired.gov->suppressions().size(), 1u);
  {
    std::ofstream f(Path("tp.jsonl"));
    f << R"({"SystemAlertId":")" << a.id << R"(","verdict":"true_positive","time":")" << t
      << "\"}\n";
  }
  p.feedback_path = Path("tp.jsonl");
  RunResult only_tp = Run(p);
  ASSERT_TRUE(only_tp.status.ok());
  EXPECT_EQ(only_tp.output, clear.output);
  EXPECT_EQ(only_tp.summary.alerts_filtered, 0u);
  EXPECT_TRUE(only_tp.gov->suppressions().empty());
}

// A state directory remembers what identities it holds (VAULTWATCH-PRIVACY): a run that would mix
// clear and pseudonymised keys, or two keys, in one store is refused before it writes anything.
TEST_F(EmbeddedTest, StateDirectoryKeepsOneKindOfIdentity) {
  const std::string s = Path("marked");
  PrivacyOptions pseudo;
  pseudo.pseudonymise = PseudonymiseMode::kState;
  RunResult first = Run(pseudo, s);
  ASSERT_TRUE(first.status.ok()) << first.status;
  const std::string marker = ReadFile(s + "/" + kPrivacyMarkerName);
  auto p = alerts::Pseudonymiser::FromKey(kKey);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(marker, "pseudonyms " + p->KeyFingerprint() + "\n");
  EXPECT_EQ(marker.find(kKey), std::string::npos);
  // The same key again: fine (and the state is reused).
  EXPECT_TRUE(Run(pseudo, s).status.ok());
  // Clear, or another key: refused with exit code 2 material, before any write.
  RunResult clear = Run(PrivacyOptions{}, s);
  ASSERT_FALSE(clear.status.ok());
  EXPECT_EQ(clear.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(clear.status.message().find("holds pseudonyms"), std::string::npos);
  PrivacyOptions other = pseudo;
  other.key_file = Path("other.key");
  RunResult wrong_key = Run(other, s);
  ASSERT_FALSE(wrong_key.status.ok());
  EXPECT_EQ(wrong_key.status.ToString().find(kOtherKey), std::string::npos);
  EXPECT_EQ(ReadFile(s + "/" + kPrivacyMarkerName), marker);
  // A clear store (marked or from before markers) cannot be pseudonymised in place.
  const std::string c = Path("clear-marked");
  ASSERT_TRUE(Run(PrivacyOptions{}, c).status.ok());
  EXPECT_EQ(ReadFile(c + "/" + kPrivacyMarkerName), "clear\n");
  EXPECT_FALSE(Run(pseudo, c).status.ok());
  std::filesystem::remove(c + "/" + kPrivacyMarkerName);
  RunResult unmarked = Run(pseudo, c);
  ASSERT_FALSE(unmarked.status.ok());
  EXPECT_NE(unmarked.status.message().find("without a privacy marker"), std::string::npos);
  EXPECT_TRUE(Run(PrivacyOptions{}, c).status.ok());  // clear over clear: fine, and marked now
  EXPECT_EQ(ReadFile(c + "/" + kPrivacyMarkerName), "clear\n");
  // No state directory: nothing to check.
  EXPECT_TRUE(CheckAndMarkState("", "clear").ok());
}

TEST(EmbeddedSummaryTest, MergesIntoTheDetectSummaryObject) {
  detect::DetectRunOptions o;
  auto g = EmbeddedGovernance::Configure(PrivacyOptions{}, &o);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)->MergeSummaryJson("{\"alerts\":3}\n"),
            "{\"alerts\":3,\"governance\":{\"pseudonymise\":\"none\"}}");
  EXPECT_EQ((*g)->MergeSummaryJson("{}"), "{\"governance\":{\"pseudonymise\":\"none\"}}");
  EXPECT_EQ((*g)->MergeSummaryJson("garbage"), "{\"governance\":{\"pseudonymise\":\"none\"}}");
  EXPECT_EQ((*g)->SummaryText(), "");
}

}  // namespace
}  // namespace vw::governance
