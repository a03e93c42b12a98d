// Unit tests of the forensics module over files (the Kafka paths are covered by
// tests/integration/forensics_test.cc against the real broker).
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/time_format.h"
#include "forensics/alert_record.h"
#include "forensics/cli.h"
#include "forensics/event_source.h"
#include "forensics/progress.h"
#include "forensics/replay.h"
#include "forensics/timeline.h"
#include "processors/detectors/config.h"
#include "processors/detectors/detect_run.h"
#include "tests/support/text_files.h"

namespace vw::forensics {
namespace {

using ::vw::testing::Lines;
using ::vw::testing::ReadFile;

namespace fs = std::filesystem;

EventTime T(const char* s) { return *ParseRfc3339(s); }

std::string Pad2(int v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

// A small tenant: 3 vaults, 5 regular callers over 10 days, a daily SecretPurge
// (KV_SensitiveOperation), and on day 9 (2026-01-13 03:00) a caller never seen before dumping
// 40 secrets from 203.0.113.9.
class ForensicsTest : public ::testing::Test {
 protected:
  static std::string Record(const std::string& time, int vault, const std::string& op,
                            const std::string& oid, const std::string& ip,
                            const std::string& secret, int n) {
    return R"({"time":")" + time +
           R"(","resourceId":"/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-)" +
           std::to_string(vault) + R"(","operationName":")" + op +
           R"(","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","durationMs":"5","callerIpAddress":")" +
           ip + R"(","correlationId":"corr-)" + std::to_string(n) +
           R"(","identity":{"claim":{"oid":")" + oid +
           R"(","appid":"11111111-1111-1111-1111-111111111111"}},"properties":{"id":"https://kv-)" +
           std::to_string(vault) + ".vault.azure.net/secrets/" + secret +
           R"(","httpStatusCode":200}})";
  }

  static void SetUpTestSuite() {
    dir_ = new std::string(
        (fs::temp_directory_path() / ("vw-forensics-unit-" + std::to_string(::getpid()))).string());
    fs::create_directories(*dir_);
    std::mt19937 rng(7);
    std::vector<std::pair<int64_t, std::string>> recs;
    int n = 0;
    const int64_t day0 = T("2026-01-05T00:00:00Z").micros();
    for (int day = 0; day < 10; ++day) {
      for (int i = 0; i < 300; ++i) {
        int64_t t = day0 + day * 86400000000LL + static_cast<int64_t>(rng() % 86400) * 1000000;
        int vault = 1 + static_cast<int>(rng() % 3);
        std::string oid =
            "00000000-0000-0000-0000-0000000000" + Pad2(1 + static_cast<int>(rng() % 5));
        const char* ops[] = {"SecretGet", "SecretList", "KeyGet"};
        recs.push_back({t, Record(FormatRfc3339(EventTime::FromMicros(t)), vault, ops[rng() % 3],
                                  oid, "10.0.0." + std::to_string(1 + rng() % 9),
                                  "s" + std::to_string(1 + rng() % 4), n++)});
      }
      int64_t t = day0 + day * 86400000000LL + 13LL * 3600000000LL;
      recs.push_back({t, Record(FormatRfc3339(EventTime::FromMicros(t)), 1 + day % 3, "SecretPurge",
                                "00000000-0000-0000-0000-000000000001", "10.0.0.1", "old", n++)});
    }
    for (int j = 0; j < 40; ++j) {
      int64_t t = T("2026-01-13T03:00:00Z").micros() + j * 5000000LL;
      recs.push_back({t, Record(FormatRfc3339(EventTime::FromMicros(t)), 2,
                                j == 0 ? "SecretList" : "SecretGet", kAttacker, "203.0.113.9",
                                "x" + std::to_string(j), n++)});
    }
    std::stable_sort(recs.begin(), recs.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    input_ = new std::string(*dir_ + "/in.ndjson");
    std::ofstream out(*input_);
    for (const auto& r : recs) out << r.second << "\n";
    out.close();

    config_ = new detect::DetectConfig(*detect::LoadDetectConfig(""));
    // The daily SecretPurge is this fixture's steady source of alerts: Sentinel-style (every
    // occurrence), not the routine baseline that would learn it.
    config_->sensitive_always_alert = true;
    // Threat-intel lists are relative to the source tree.
    for (std::string* f :
         {&config_->tor_file, &config_->suspicious_file, &config_->microsoft_file}) {
      const char* src = std::getenv("VW_SOURCE_DIR");
      if (src != nullptr && fs::path(*f).is_relative()) *f = std::string(src) + "/" + *f;
    }
    detect::DetectRunOptions d;
    d.input = *input_;
    d.output = *dir_ + "/detect.jsonl";
    auto sum = detect::RunDetect(*config_, d);
    ASSERT_TRUE(sum.ok()) << sum.status();
    detect_alerts_ = new std::vector<std::string>(Lines(ReadFile(d.output)));
  }

  void SetUp() override {
    ASSERT_FALSE(detect_alerts_->empty())
        << "the test input yields no alert: it would prove nothing";
  }

  static std::vector<std::string> Replay(EventTime from, EventTime to, Duration warmup,
                                         ReplaySummary* summary = nullptr) {
    ReplayOptions o;
    o.input = *input_;
    o.output = *dir_ + "/replay-" + std::to_string(++runs_) + ".jsonl";
    o.from = from;
    o.to = to;
    o.warmup = warmup;
    auto sum = RunReplay(*config_, o);
    EXPECT_TRUE(sum.ok()) << sum.status();
    if (!sum.ok()) return {};
    if (summary != nullptr) *summary = *sum;
    return Lines(ReadFile(o.output));
  }

  // detect's alerts with TimeGenerated in [from, to).
  static std::vector<std::string> DetectIn(EventTime from, EventTime to) {
    std::vector<std::string> out;
    for (const std::string& line : *detect_alerts_) {
      auto a = ParseAlertJson(line);
      EXPECT_TRUE(a.ok()) << a.status();
      if (a.ok() && a->generated_us >= from.micros() && a->generated_us < to.micros()) {
        out.push_back(line);
      }
    }
    return out;
  }

  static constexpr const char* kAttacker = "00000000-0000-0000-0000-0000000000aa";
  static std::string* dir_;
  static std::string* input_;
  static detect::DetectConfig* config_;
  static std::vector<std::string>* detect_alerts_;
  static int runs_;
};

std::string* ForensicsTest::dir_ = nullptr;
std::string* ForensicsTest::input_ = nullptr;
detect::DetectConfig* ForensicsTest::config_ = nullptr;
std::vector<std::string>* ForensicsTest::detect_alerts_ = nullptr;
int ForensicsTest::runs_ = 0;

TEST_F(ForensicsTest, FullRangeReplayIsByteIdenticalToDetect) {
  auto got = Replay(T("2026-01-01T00:00:00Z"), T("2026-02-01T00:00:00Z"), Duration());
  EXPECT_EQ(got, *detect_alerts_);
}

TEST_F(ForensicsTest, SubRangeWithFullWarmupReproducesExactlyTheAlertsOfTheRange) {
  const EventTime from = T("2026-01-09T00:00:00Z"), to = T("2026-01-13T12:00:00Z");
  auto want = DetectIn(from, to);
  ASSERT_GE(want.size(), 3u) << "the range must hold alerts for the test to mean anything";
  ASSERT_LT(want.size(), detect_alerts_->size()) << "the range must exclude some alerts";
  ReplaySummary sum;
  auto got = Replay(from, to, Duration::Days(5), &sum);
  EXPECT_EQ(got, want);
  // The warm-up produced alerts (the daily purges before --from) that were not emitted.
  EXPECT_GT(sum.alerts_in_warmup, 0u);
  EXPECT_GT(sum.warmup_events, 0u);
  EXPECT_EQ(sum.alerts, want.size());
}

TEST_F(ForensicsTest, WarmupAlertsAreNeverEmitted) {
  const EventTime from = T("2026-01-10T00:00:00Z"), to = T("2026-01-11T00:00:00Z");
  auto got = Replay(from, to, Duration::Days(3));
  for (const std::string& line : got) {
    auto a = ParseAlertJson(line);
    ASSERT_TRUE(a.ok());
    EXPECT_GE(a->generated_us, from.micros()) << line;
    EXPECT_LT(a->generated_us, to.micros()) << line;
  }
  EXPECT_EQ(got, DetectIn(from, to));
}

TEST_F(ForensicsTest, RejectsAnEmptyRangeAndAMissingInput) {
  ReplayOptions o;
  o.input = *input_;
  o.from = T("2026-01-10T00:00:00Z");
  o.to = o.from;
  EXPECT_FALSE(RunReplay(*config_, o).ok());
  o.to = T("2026-01-11T00:00:00Z");
  o.input = *dir_ + "/does-not-exist";
  auto r = RunReplay(*config_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("does-not-exist"), std::string::npos);
}

TEST_F(ForensicsTest, TimelineOfTheAttackerShowsItsEventsAndAlerts) {
  TimelineOptions o;
  o.entity = {EntityKind::kCaller, kAttacker};
  o.input = *input_;
  o.alerts = *dir_ + "/detect.jsonl";
  o.from = T("2026-01-12T00:00:00Z");
  o.to = T("2026-01-14T00:00:00Z");
  auto t = BuildTimeline(o);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->total_events, 40u);
  ASSERT_EQ(t->events.size(), 40u);
  EXPECT_EQ(t->events.front().operation, "SecretList");
  EXPECT_TRUE(std::is_sorted(t->events.begin(), t->events.end(),
                             [](const auto& a, const auto& b) { return a.time_us < b.time_us; }));
  EXPECT_EQ(t->by_operation["SecretGet"], 39u);
  EXPECT_EQ(t->by_ip["203.0.113.9"], 40u);
  EXPECT_EQ(t->by_vault["kv-2"], 40u);
  ASSERT_FALSE(t->alerts.empty()) << "detect raised no alert on the secret dump";
  size_t marked = 0;
  for (const auto& e : t->events) marked += e.alerts.empty() ? 0 : 1;
  EXPECT_GT(marked, 0u);
  for (const auto& a : t->alerts) {
    EXPECT_NE(std::find(a.accounts.begin(), a.accounts.end(), kAttacker), a.accounts.end());
  }

  std::string table = RenderTable(*t);
  EXPECT_NE(table.find(">>> ALERT [1]"), std::string::npos);
  EXPECT_NE(table.find(t->alerts[0].id), std::string::npos);
  EXPECT_NE(table.find("203.0.113.9"), std::string::npos);

  std::string json = RenderJson(*t);
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_EQ(p.parse(json).get(doc), simdjson::SUCCESS) << json.substr(0, 300);
  simdjson::dom::array events;
  ASSERT_EQ(doc["events"].get_array().get(events), simdjson::SUCCESS);
  EXPECT_EQ(events.size(), 40u);
  int64_t n = 0;
  ASSERT_EQ(doc["summary"]["by_operation"]["SecretGet"].get_int64().get(n), simdjson::SUCCESS);
  EXPECT_EQ(n, 39);

  std::string csv = RenderCsv(*t);
  auto rows = Lines(csv);
  EXPECT_EQ(rows.size(), 1 + 40 + t->alerts.size());
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(),
                          [](const std::string& r) { return r.rfind("alert,", 0) == 0; }),
            static_cast<long>(t->alerts.size()));
}

TEST_F(ForensicsTest, TimelineByVaultAndByIpSelectTheRightEvents) {
  TimelineOptions o;
  o.input = *input_;
  o.from = T("2026-01-05T00:00:00Z");
  o.to = T("2026-01-15T00:00:00Z");
  o.entity = {EntityKind::kIp, "203.0.113.9"};
  auto by_ip = BuildTimeline(o);
  ASSERT_TRUE(by_ip.ok());
  EXPECT_EQ(by_ip->total_events, 40u);
  o.entity = {EntityKind::kVault, "KV-2"};
  auto by_name = BuildTimeline(o);
  ASSERT_TRUE(by_name.ok());
  EXPECT_GT(by_name->total_events, 40u);
  EXPECT_EQ(by_name->by_vault.size(), 1u);
  o.entity = {EntityKind::kVault,
              "/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg/providers/"
              "microsoft.keyvault/vaults/kv-2"};
  auto by_id = BuildTimeline(o);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->total_events, by_name->total_events);
  o.max_rows = 10;
  auto capped = BuildTimeline(o);
  ASSERT_TRUE(capped.ok());
  EXPECT_TRUE(capped->truncated);
  EXPECT_EQ(capped->events.size(), 10u);
  EXPECT_EQ(capped->total_events, by_name->total_events);
}

TEST(TimelineRender, HtmlIsSelfContainedAndEscapesHostileValues) {
  Timeline t;
  t.entity = {EntityKind::kCaller, "evil"};
  t.from = T("2026-01-05T00:00:00Z");
  t.to = T("2026-01-06T00:00:00Z");
  TimelineEvent e;
  e.time_us = T("2026-01-05T01:00:00Z").micros();
  e.operation = "</script><script>alert(1)</script>";
  e.outcome = "success";
  e.caller = "evil";
  t.events.push_back(e);
  t.total_events = 1;
  FinishTimeline(&t);
  std::string html = RenderHtml(t);
  EXPECT_EQ(html.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(html.find("\\u003c/script\\u003e"), std::string::npos);
  // No network: nothing is fetched from anywhere.
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
}

TEST(TimelineRender, CsvNeutralisesFormulas) {
  Timeline t;
  t.entity = {EntityKind::kIp, "1.2.3.4"};
  t.from = T("2026-01-05T00:00:00Z");
  t.to = T("2026-01-06T00:00:00Z");
  TimelineEvent e;
  e.time_us = t.from.micros();
  e.operation = "=HYPERLINK(\"x\")";
  t.events.push_back(e);
  FinishTimeline(&t);
  std::string csv = RenderCsv(t);
  EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"x\"\")\""), std::string::npos) << csv;
}

TEST(Progress, FormatsEventsPercentRateAndEta) {
  std::string s = FormatProgress("replay", 2500000, 250, 1000, 10.0);
  EXPECT_NE(s.find("2.50M events"), std::string::npos) << s;
  EXPECT_NE(s.find("25.0%"), std::string::npos) << s;
  EXPECT_NE(s.find("250k events/s"), std::string::npos) << s;
  EXPECT_NE(s.find("ETA 0:30"), std::string::npos) << s;
  EXPECT_EQ(FormatProgress("replay", 10, 0, 0, 1.0).find("ETA"), std::string::npos);
}

TEST(Cli, ParsesTimesDurationsKeyingAndKafkaSpecs) {
  EXPECT_EQ(ParseTimeFlag("from", "2026-01-19")->micros(), T("2026-01-19T00:00:00Z").micros());
  EXPECT_FALSE(ParseTimeFlag("from", "yesterday").ok());
  EXPECT_EQ(ParseDurationFlag("warmup", "14d")->micros(), Duration::Days(14).micros());
  EXPECT_FALSE(ParseDurationFlag("warmup", "two weeks").ok());
  EXPECT_TRUE(ParseKeying("vault").ok());
  EXPECT_FALSE(ParseKeying("all").ok());
  EXPECT_TRUE(IsKafkaSpec("kafka:kv.audit.raw"));
  EXPECT_FALSE(IsKafkaSpec("/tmp/kafka:x"));
  EXPECT_EQ(KafkaTopics("kafka:a,b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ClientConfig("h:1", "h:2", {})["bootstrap.servers"], "h:1");
  EXPECT_EQ(ClientConfig("", "h:2", {{"security.protocol", "SSL"}})["security.protocol"], "SSL");
}

}  // namespace
}  // namespace vw::forensics
