// The Kafka pipeline's privacy and feedback duties against a real broker, on the fixture's
// generated tenant (pipeline_fixture.h):
//   Feedback: a benign verdict on an alert that repeats for one entity, produced to the feedback
//       topic mid-stream, keeps that type+entity's later alerts out of kv.alerts; every other
//       alert is still there.
//   Pseudonymised: privacy.pseudonymise=state gives the same alerts (type, vault, times) as the
//       clear run, and no clear identity reaches kv.alerts or the changelogs; with
//       privacy.pseudonymise=alerts the alerts are pseudonymous and the state stays clear.
// Needs VW_KAFKA_BOOTSTRAP (fails without it) and the vaultwatch binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "base/time_format.h"
#include "forensics/alert_record.h"
#include "governance/feedback.h"
#include "processors/ingest/ingest.h"
#include "tests/integration/pipeline_fixture.h"
#include "tests/integration/pipeline_harness.h"
#include "tests/support/kafka_env.h"
#include "vw/v1/access_event.pb.h"

namespace vw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The events of the input lines, one per line (nullopt for a line that is not an event).
std::vector<std::optional<v1::AccessEvent>> EventsOf(const std::vector<std::string>& lines) {
  struct Sink final : ingest::RecordSink {
    std::optional<v1::AccessEvent> last;
    void OnEvent(v1::AccessEvent&& e) override { last = std::move(e); }
    void OnDeadLetter(ingest::DeadLetter&&) override {}
  };
  ingest::Ingestor ingestor;
  std::vector<std::optional<v1::AccessEvent>> out;
  v1::SourcePosition base;
  base.set_partition(-1);
  for (const std::string& l : lines) {
    Sink sink;
    ingestor.Ingest(l, base, sink);
    out.push_back(std::move(sink.last));
  }
  return out;
}

TEST_F(PipelineTest, BenignVerdictSuppressesLaterAlertsOfItsEntityOnly) {
  NeedDataset();
  // An alert type + entity that fires more than once, hours apart: the verdict on the first one
  // falls between them.
  std::map<std::pair<std::string, std::string>, std::vector<forensics::AlertRecord>> groups;
  for (const std::string& line : *expected_) {
    forensics::AlertRecord a = MustParseAlert(line);
    groups[{a.type, governance::SuppressionKey(a, governance::Scope::kEntity)}].push_back(a);
  }
  const int64_t kHourUs = 3600LL * 1000000;
  const forensics::AlertRecord* judged = nullptr;
  int64_t verdict_us = 0;
  for (auto& [key, alerts] : groups) {
    std::sort(alerts.begin(), alerts.end(),
              [](const auto& x, const auto& y) { return x.generated_us < y.generated_us; });
    if (alerts.size() >= 2 && alerts[1].generated_us - alerts[0].generated_us >= 4 * kHourUs) {
      judged = &alerts[0];
      verdict_us = alerts[0].generated_us + (alerts[1].generated_us - alerts[0].generated_us) / 2;
      break;
    }
  }
  ASSERT_NE(judged, nullptr)
      << "no alert repeats for one entity hours apart: the test has no teeth";
  // What kv.alerts must hold: every alert but the later ones of the judged type + entity.
  const std::string judged_key = governance::SuppressionKey(*judged, governance::Scope::kEntity);
  std::vector<std::string> kept;
  size_t suppressed = 0;
  for (const std::string& line : *expected_) {
    forensics::AlertRecord a = MustParseAlert(line);
    if (a.type == judged->type && a.id != judged->id && a.generated_us >= verdict_us &&
        governance::SuppressionKey(a, governance::Scope::kEntity) == judged_key) {
      ++suppressed;
      continue;
    }
    kept.push_back(line);
  }
  ASSERT_GE(suppressed, 1u);
  // Phase 1: the input up to the verdict's time (lines are in event-time order per raw record).
  std::vector<std::optional<v1::AccessEvent>> events = EventsOf(*input_);
  size_t split = 0;
  while (split < input_->size() &&
         !(events[split].has_value() && events[split]->time_us() >= verdict_us))
    ++split;
  ASSERT_GT(split, 0u);
  ASSERT_LT(split, input_->size());
  std::vector<std::string> phase1(input_->begin(), input_->begin() + static_cast<long>(split));
  std::vector<std::string> phase2(input_->begin() + static_cast<long>(split), input_->end());

  PipelineSetup setup("vw-it-feedback", Bootstrap(), 4, "ingest, vault, caller", "");
  ASSERT_TRUE(setup.CreateTopics().ok());
  Child proc = setup.Start("0");
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, phase1, 50, false).ok());
  // The judged alert must be published before the analyst can judge it.
  bool seen = false;
  ReadCommitted(setup.bootstrap, setup.alerts, 4, SIZE_MAX, seconds(180), milliseconds(0), nullptr,
                [&](const std::string& v) {
                  seen = seen || v.find(judged->id) != std::string::npos;
                  return seen;
                });
  ASSERT_TRUE(seen) << "the judged alert " << judged->id << " was not published in phase 1";
  std::string verdict = "{\"SystemAlertId\":\"" + judged->id +
                        "\",\"verdict\":\"benign\",\"time\":\"" +
                        FormatRfc3339(EventTime::FromMicros(verdict_us)) +
                        "\",\"scope\":\"entity\",\"analyst\":\"it\",\"comment\":\"known job\"}";
  ASSERT_TRUE(Feed(setup.bootstrap, setup.feedback, 1, {"not a verdict", verdict}, 1, false).ok());
  // The verdict applies from the moment the process has read it (live semantics).
  ASSERT_TRUE(WaitForLogLine(setup.dir + "/run-0.log", "alert=" + judged->id, seconds(60)))
      << ReadFile(setup.dir + "/run-0.log");
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, phase2, 50, true).ok());
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 4, kept.size(), seconds(180));
  EXPECT_EQ(proc.Terminate(), 0);
  std::sort(got.begin(), got.end());
  std::sort(kept.begin(), kept.end());
  std::vector<std::string> missing, extra;
  std::set_difference(kept.begin(), kept.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), kept.begin(), kept.end(), std::back_inserter(extra));
  EXPECT_EQ(got.size(), kept.size());
  EXPECT_TRUE(missing.empty()) << missing.size() << " alerts lost, first: " << missing.front();
  EXPECT_TRUE(extra.empty()) << extra.size()
                             << " alerts not suppressed or duplicated, first: " << extra.front();
  std::string log = ReadFile(setup.dir + "/run-0.log");
  EXPECT_NE(log.find("feedback: bad verdict skipped"), std::string::npos);
  EXPECT_EQ(log.find("known job"), std::string::npos) << "verdict content must not be logged";
}

// True when `text` contains `ip` as a whole address (not inside a longer number).
bool ContainsIp(const std::string& text, const std::string& ip) {
  for (size_t pos = text.find(ip); pos != std::string::npos; pos = text.find(ip, pos + 1)) {
    auto part = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == '.'; };
    bool before = pos > 0 && part(text[pos - 1]);
    bool after = pos + ip.size() < text.size() && part(text[pos + ip.size()]);
    if (!before && !after) return true;
  }
  return false;
}

// privacy.pseudonymise = state, or alerts: same detections, no clear identity in kv.alerts; the
// changelogs hold none with `state` and do (clear state) with `alerts`.
void PseudonymisedRun(const std::string& mode, const std::vector<std::string>& input,
                      const std::vector<std::string>& expected);

TEST_F(PipelineTest, PseudonymisedStateGivesTheSameAlertsWithoutClearIdentities) {
  NeedDataset();
  PseudonymisedRun("state", *input_, *expected_);
}

TEST_F(PipelineTest, PseudonymisedAlertsKeepStateClearAndAlertsPseudonymous) {
  NeedDataset();
  PseudonymisedRun("alerts", *input_, *expected_);
}

void PseudonymisedRun(const std::string& mode, const std::vector<std::string>& input,
                      const std::vector<std::string>& expected) {
  const std::vector<std::string>* input_ = &input;
  const std::vector<std::string>* expected_ = &expected;
  PipelineSetup setup("vw-it-pseudo", Bootstrap(), 4, "ingest, vault, caller", "");
  setup.AppendConfig("privacy: {pseudonymise: " + mode + ", key_env: VW_IT_PSEUDONYM_KEY}");
  ::setenv("VW_IT_PSEUDONYM_KEY", "integration-test-key-0123456789", 1);
  ASSERT_TRUE(setup.CreateTopics().ok());
  ASSERT_TRUE(Feed(setup.bootstrap, setup.raw, 1, *input_, 50, true).ok());
  Child proc = setup.Start("0");
  std::vector<std::string> got =
      ReadCommitted(setup.bootstrap, setup.alerts, 4, expected_->size(), seconds(180));
  EXPECT_EQ(proc.Terminate(), 0);
  ::unsetenv("VW_IT_PSEUDONYM_KEY");

  // Same detections: type, vault and times (ids differ: they hash the pseudonymised entities).
  using Shape = std::tuple<std::string, std::string, int64_t, int64_t>;
  auto shapes = [](const std::vector<std::string>& lines) {
    std::multiset<Shape> out;
    for (const auto& l : lines) {
      forensics::AlertRecord a = MustParseAlert(l);
      out.insert({a.type, a.azure_resource_id, a.start_us, a.generated_us});
    }
    return out;
  };
  EXPECT_EQ(got.size(), expected_->size());
  EXPECT_TRUE(shapes(got) == shapes(*expected_)) << "pseudonymised state changed the detections";

  // The clear identities of the input: object ids, UPNs, IPs.
  std::set<std::string> ids, ips;
  for (const auto& e : EventsOf(*input_)) {
    if (!e.has_value()) continue;
    if (!e->caller().object_id().empty()) ids.insert(e->caller().object_id());
    if (!e->caller().upn().empty()) ids.insert(e->caller().upn());
    if (!e->caller().ip_text().empty()) ips.insert(e->caller().ip_text());
  }
  ASSERT_FALSE(ids.empty());
  ASSERT_FALSE(ips.empty());
  auto clear_in = [&](const std::string& text) -> std::string {
    for (const auto& id : ids)
      if (text.find(id) != std::string::npos) return id;
    for (const auto& ip : ips)
      if (ContainsIp(text, ip)) return ip;
    return "";
  };
  // The check has teeth: the clear run's alerts name clear identities.
  size_t clear_expected = 0;
  for (const auto& l : *expected_) clear_expected += clear_in(l).empty() ? 0 : 1;
  ASSERT_GT(clear_expected, 0u);
  for (const auto& l : got) EXPECT_EQ(clear_in(l), "") << "clear identity in alert " << l;
  size_t records = 0, clear_records = 0;
  for (const char* stage : {"vault", "caller"}) {
    for (const auto& [key, value] :
         ReadToEnd(setup.bootstrap, setup.Changelog(stage), 4, seconds(60))) {
      ++records;
      const std::string found = clear_in(key) + clear_in(value);
      clear_records += found.empty() ? 0 : 1;
      if (mode == "state" && !found.empty()) {
        ADD_FAILURE() << "clear identity in a " << stage << " changelog record: " << found;
        break;
      }
    }
  }
  EXPECT_GT(records, 1000u) << "the changelogs hold the detectors' state";
  if (mode == "alerts") {
    EXPECT_GT(clear_records, 0u) << "with `alerts`, state stays clear";
  }
  // Each alert record is keyed by the SystemAlertId it publishes (the keyed one), not by the
  // engine's unkeyed hash of the clear entities.
  size_t keyed = 0;
  for (const auto& [key, value] : ReadToEnd(setup.bootstrap, setup.alerts, 4, seconds(60))) {
    EXPECT_EQ(key, MustParseAlert(value).id);
    ++keyed;
  }
  EXPECT_EQ(keyed, got.size());
}

}  // namespace
}  // namespace vw::testing
