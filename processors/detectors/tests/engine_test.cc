// Engine and detector tests over hand-built AccessEvents and a real StateStore (RocksDB in a
// temporary directory).
#include "processors/detectors/engine.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "base/clock.h"
#include "processors/detectors/alert.h"
#include "processors/detectors/detector.h"
#include "processors/detectors/tests/make_event.h"
#include "processors/ingest/ingest.h"
#include "state/key_digest.h"
#include "state/state_store.h"
#include "tests/support/alert_sink.h"

namespace vw::detect {
namespace {

constexpr int64_t kMin = 60LL * 1000000;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z

using Collect = ::vw::testing::CollectingAlertSink;

using test_support::TestIntel;

using Ev = test_support::EventSpec;

v1::AccessEvent Make(const Ev& e) { return test_support::MakeEvent(e); }

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // These tests are about event order, buffers and restores, with short histories: the
    // sensitive-operation, policy-flip and policy-change-then-read detectors alert without their
    // routine baselines here (routine_baselines_test.cc covers those).
    config_.sensitive_always_alert = true;
    config_.policy_flip_always_alert = true;
    config_.put_get_always_alert = true;
    dir_ = ::testing::TempDir() + "/engine_test_" + std::to_string(::getpid()) + "_" +
           std::to_string(counter_++);
    std::filesystem::remove_all(dir_);
    intel_ = TestIntel();
    sink_ = Collect();
    Open();
  }
  void TearDown() override {
    engine_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    state::StoreOptions o;
    o.path = dir_;
    auto s = state::StateStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(s).value();
    auto e = Engine::Create(config_, Keying::kBoth, store_.get(), intel_.get());
    ASSERT_TRUE(e.ok()) << e.status();
    engine_ = std::move(e).value();
  }
  // A crash: the engine and store go without a commit and reopen from the store on disk; the
  // sink starts empty (what was emitted before is the caller's to keep).
  void Reopen() {
    engine_.reset();
    store_.reset();
    Open();
    sink_ = Collect();
  }
  void Feed(const std::vector<v1::AccessEvent>& events) {
    for (const auto& e : events) engine_->Process(e, sink_);
  }
  // The alerts of `events` run to the end (Flush); then a fresh engine on an empty store, for the
  // variant run a test compares with them.
  std::vector<std::string> ReferenceAlerts(const std::vector<v1::AccessEvent>& events) {
    Feed(events);
    engine_->Flush(sink_);
    std::vector<std::string> alerts = sink_.lines;
    TearDown();
    SetUp();
    return alerts;
  }
  void Commit() {
    state::CommitPoint p;
    engine_->PrepareCommit(&p);
    ASSERT_TRUE(store_->Commit(p).ok());
  }
  // The size of the largest committed value: each must fit one changelog record.
  size_t LargestCommittedValue() {
    size_t largest = 0;
    EXPECT_TRUE(store_
                    ->ForEachCommitted([&](std::string_view, std::string_view v) {
                      largest = std::max(largest, v.size());
                    })
                    .ok());
    return largest;
  }
  // 600 reads by one caller, 2 per second (300 s, all within the allowed lateness), on the day
  // after History's, the 381st of them a policy change: one KV_PutGetAnomaly, decided once the
  // change and the reads after it are released in order.
  static std::vector<Ev> PolicyChangeBurst() {
    std::vector<Ev> out;
    Ev burst{kT0 + 9 * kDay + 3 * kHour};
    for (int i = 0; i < 600; ++i) {
      burst.t += 500000;
      burst.target = "secret-" + std::to_string(i);
      burst.code = i == 380 ? v1::OP_VAULT_PATCH : v1::OP_SECRET_GET;
      burst.op = i == 380 ? "VaultPatch" : "SecretGet";
      out.push_back(burst);
    }
    return out;
  }
  // `caller`'s List of secrets at `t` (no target).
  static Ev ListBy(Ev caller, int64_t t) {
    caller.t = t;
    caller.code = v1::OP_SECRET_LIST;
    caller.op = "SecretList";
    caller.target = "";
    return caller;
  }
  // A benign history: `days` days of `per_day` reads by the caller on its vault.
  std::vector<v1::AccessEvent> History(Ev base, int days, int per_day, int64_t start = kT0) {
    std::vector<v1::AccessEvent> out;
    for (int d = 0; d < days; ++d) {
      for (int i = 0; i < per_day; ++i) {
        Ev e = base;
        e.t = start + d * kDay + 8 * kHour + i * (8 * kHour / per_day);
        out.push_back(Make(e));
      }
    }
    return out;
  }

  static inline int counter_ = 0;
  std::string dir_;
  DetectConfig config_;
  std::unique_ptr<ThreatIntel> intel_;
  std::unique_ptr<state::StateStore> store_;
  std::unique_ptr<Engine> engine_;
  Collect sink_;
};

TEST_F(EngineTest, TorAccessFiresOnArrivalOncePerVaultAndAddress) {
  Ev e{kT0};
  e.ip = "192.0.2.7";
  Feed({Make(e)});
  ASSERT_EQ(sink_.Count("KV_TORAccess"), 1u) << "decided on arrival, not at the watermark";
  std::vector<v1::AccessEvent> evs;
  for (int i = 1; i < 5; ++i) {
    e.t = kT0 + i * kMin;
    evs.push_back(Make(e));
  }
  Feed(evs);
  ASSERT_EQ(sink_.Count("KV_TORAccess"), 1u);
  const v1::Alert& a = sink_.alerts[0];
  EXPECT_EQ(a.start_time_us(), kT0);
  EXPECT_NE(a.extended_properties().at("Alert Reasons").find("TOR exit node"), std::string::npos);
  bool has_ip = false;
  for (const auto& ent : a.entities()) has_ip |= ent.type() == "ip" && ent.address() == "192.0.2.7";
  EXPECT_TRUE(has_ip);
  EXPECT_EQ(engine_->stats().suppressed, 4u);
}

// Pseudonymised state: the transform hides the address, yet the TOR list still matches
// because the engine looked the clear address up first, also for events persisted while buffered.
TEST_F(EngineTest, EventTransformKeepsThreatIntelFactsAcrossARestore) {
  auto pseudonymise = [](v1::AccessEvent* e) {
    e->mutable_caller()->set_object_id("p-" + e->caller().object_id());
    e->mutable_caller()->set_upn("");
    e->mutable_caller()->set_ip_text("fd00::7");
    e->mutable_caller()->set_ip(ParseIp("fd00::7").value());
  };
  engine_->SetEventTransform(pseudonymise);
  Ev e{kT0};
  e.ip = "192.0.2.7";
  v1::AccessEvent reused = Make(e);
  engine_->Process(std::move(reused), sink_);
  Commit();  // the TOR event is still buffered (watermark): it is persisted pseudonymised
  engine_.reset();
  store_.reset();
  Open();
  engine_->SetEventTransform(pseudonymise);
  Ev later{kT0 + 30 * kMin};
  later.ip = "198.51.100.10";  // not on any list
  Feed({Make(later)});
  engine_->Flush(sink_);
  ASSERT_EQ(sink_.Count("KV_TORAccess"), 1u);
  const v1::Alert& a = sink_.alerts[0];
  bool pseudonym = false, clear = false;
  for (const auto& ent : a.entities()) {
    pseudonym |= ent.type() == "ip" && ent.address() == "fd00::7";
    clear |= ent.address() == "192.0.2.7" || ent.aad_user_id() == "user-1";
  }
  EXPECT_TRUE(pseudonym);
  EXPECT_FALSE(clear);
  // Without a transform, facts a reused message still carries are ignored: the clear address
  // (not on the TOR list) decides.
  engine_->SetEventTransform(nullptr);
  v1::AccessEvent stale = Make(later);
  stale.mutable_ip_facts()->set_tor(true);
  stale.set_time_us(kT0 + 2 * kHour);
  Feed({stale});
  engine_->Flush(sink_);
  EXPECT_EQ(sink_.Count("KV_TORAccess"), 1u);
}

// The engine memoises an address's list lookups; a reload of the lists must reach the next
// event from that address.
TEST_F(EngineTest, AReloadedTorListReachesAnAddressSeenBefore) {
  const std::string dir = dir_ + "-lists";
  std::filesystem::create_directories(dir);
  auto write = [](const std::string& p, const std::string& text) {
    std::ofstream(p, std::ios::trunc) << text;
  };
  DetectConfig c = config_;
  c.tor_file = dir + "/tor.txt";
  c.suspicious_file = dir + "/sus.txt";
  c.microsoft_file = "";
  c.reload_interval = Duration::Seconds(30);
  write(c.tor_file, "192.0.2.1\n");
  write(c.suspicious_file, "");
  ManualClock clock(1000000);
  auto loaded = ThreatIntel::Load(c, &clock);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  engine_.reset();
  store_.reset();
  intel_ = std::move(loaded).value();
  Open();
  Ev e(kT0);
  e.ip = "198.51.100.50";
  Ev later = e;
  later.t = kT0 + 20 * kMin;
  Feed({Make(e), Make(later)});  // the first is released by the second's watermark
  EXPECT_EQ(sink_.Count("KV_TORAccess"), 0u);
  write(c.tor_file, "192.0.2.1\n198.51.100.50\n");
  clock.Advance(Duration::Seconds(31));
  ASSERT_EQ(intel_->MaybeReload(), 1);
  Ev again = e;
  again.t = kT0 + 40 * kMin;
  Ev last = e;
  last.t = kT0 + 60 * kMin;
  Feed({Make(again), Make(last)});
  EXPECT_EQ(sink_.Count("KV_TORAccess"), 1u);
  std::filesystem::remove_all(dir);
}

TEST_F(EngineTest, SuspiciousIpSuccessAndDenialAreDistinctTypes) {
  Ev ok{kT0};
  ok.ip = "203.0.113.9";
  Ev denied = ok;
  denied.t = kT0 + kMin;
  denied.outcome = v1::OUTCOME_DENIED;
  Feed({Make(ok), Make(denied)});
  engine_->Flush(sink_);
  EXPECT_EQ(sink_.Count("KV_SuspiciousIPAccess"), 1u);
  EXPECT_EQ(sink_.Count("KV_SuspiciousIPAccessDenied"), 1u);
  EXPECT_EQ(sink_.Count("KV_TORAccess"), 0u);
}

// A late event (older than the stream's watermark) is counted and kept from the ordered
// detectors; the detectors that decide on arrival still see it: a TOR access is one whatever
// its delivery delay.
TEST_F(EngineTest, LateEventsAreCountedAndOnlyDecidedOnArrival) {
  Ev e{kT0 + kHour};
  e.oid = "someone-else";
  Feed({Make(e)});
  Ev late{kT0};  // an hour older than the stream's newest event: beyond 10 minutes
  late.ip = "192.0.2.1";
  late.code = v1::OP_VAULT_PATCH;
  late.op = "VaultPatch";
  Ev get = late;  // on time: the policy change it would follow was late, so no PutGet
  get.t = kT0 + kHour + kMin;
  get.ip = "198.51.100.1";
  get.code = v1::OP_SECRET_GET;
  get.op = "SecretGet";
  Feed({Make(late), Make(get)});
  engine_->Flush(sink_);
  EXPECT_EQ(engine_->stats().late_dropped, 1u);
  EXPECT_EQ(sink_.Count("KV_TORAccess"), 1u);
  EXPECT_EQ(sink_.Count("KV_PutGetAnomaly"), 0u);
}

// An attacker's one-shot policy change at kT0, then a secret read a minute later: a
// KV_PutGetAnomaly, an ordered detector's alert, once the watermark passes kT0 + 1 min.
std::vector<v1::AccessEvent> PolicyChangeThenRead(const std::string& vault) {
  Ev put{kT0};
  put.oid = "attacker";
  put.vault = vault;
  put.code = v1::OP_VAULT_PATCH;
  put.op = "VaultPatch";
  Ev get = put;
  get.t = kT0 + kMin;
  get.code = v1::OP_SECRET_GET;
  get.op = "SecretGet";
  return {Make(put), Make(get)};
}

// The stream's watermark, not the key's: an attacker identity used once, on a vault that then
// goes quiet, is evaluated as soon as the rest of the tenant's traffic moves event time on. No
// flush, no later event of that caller or vault.
TEST_F(EngineTest, AOneShotKeyIsEvaluatedWhenOtherKeysMoveTheWatermark) {
  Feed(PolicyChangeThenRead("kv-quiet"));
  EXPECT_EQ(sink_.Count("KV_PutGetAnomaly"), 0u) << "buffered: the watermark has not passed it";
  std::vector<v1::AccessEvent> others;
  for (int i = 0; i < 12; ++i) {
    Ev o{kT0 + (i + 1) * kMin};
    o.oid = "busy-app";
    o.vault = "kv-busy";
    others.push_back(Make(o));
  }
  Feed(others);  // newest kT0 + 12 min: the watermark (minus 10 minutes) passes kT0 + 1 min
  EXPECT_EQ(sink_.Count("KV_PutGetAnomaly"), 1u);
  EXPECT_EQ(engine_->watermark().micros(), kT0 + 2 * kMin);
}

// The pipeline's detector stages move the watermark themselves (from the raw partitions'
// progress): the events' own times move nothing, lateness is judged against what was set, and
// the watermark is part of the committed state.
TEST_F(EngineTest, AnExternalWatermarkAloneReleasesEventsAndSurvivesARestart) {
  engine_->UseExternalWatermark();
  Ev far{kT0 + 5 * kHour};
  far.oid = "other";
  Feed(PolicyChangeThenRead("kv-1"));
  Feed({Make(far)});
  EXPECT_EQ(sink_.Count("KV_PutGetAnomaly"), 0u) << "event times must not move the watermark";
  EXPECT_EQ(engine_->watermark(), EventTime::Min());
  engine_->AdvanceWatermark(EventTime::FromMicros(kT0 + 2 * kMin), sink_);
  EXPECT_EQ(sink_.Count("KV_PutGetAnomaly"), 1u);
  engine_->AdvanceWatermark(EventTime::FromMicros(kT0), sink_);  // never backwards
  EXPECT_EQ(engine_->watermark().micros(), kT0 + 2 * kMin);
  Commit();
  Reopen();
  engine_->UseExternalWatermark();
  EXPECT_EQ(engine_->watermark().micros(), kT0 + 2 * kMin);
  Ev late{kT0 + kMin};
  late.oid = "late-caller";
  Feed({Make(late)});
  EXPECT_EQ(engine_->stats().late_dropped, 1u);
  // The event buffered at the commit is still there and released by the next advance.
  engine_->AdvanceWatermark(EventTime::FromMicros(kT0 + 6 * kHour), sink_);
  EXPECT_EQ(engine_->stats().late_dropped, 1u);
}

// 400 events, one every 20 s, over 3 vaults, 5 callers, TOR and plain addresses, reads and deletes.
std::vector<v1::AccessEvent> MixedTraffic() {
  std::vector<v1::AccessEvent> evs;
  for (int i = 0; i < 400; ++i) {
    Ev e{kT0 + i * 20 * 1000000LL};
    e.vault = "kv-" + std::to_string(i % 3);
    e.oid = "caller-" + std::to_string(i % 5);
    e.ip = (i % 7 == 0) ? "192.0.2.9" : "198.51.100." + std::to_string(i % 4);
    e.code = (i % 11 == 0) ? v1::OP_SECRET_DELETE : v1::OP_SECRET_GET;
    e.op = (i % 11 == 0) ? "SecretDelete" : "SecretGet";
    e.target = "s" + std::to_string(i % 13);
    evs.push_back(Make(e));
  }
  return evs;
}

TEST_F(EngineTest, ShufflingWithinTheLatenessBoundChangesNothing) {
  std::vector<v1::AccessEvent> evs = MixedTraffic();
  // Policy changes, so that ordered detectors (KV_PutGetAnomaly) fire too.
  for (size_t i = 3; i < evs.size(); i += 40) {
    evs[i].set_operation(v1::OP_VAULT_PATCH);
    evs[i].set_operation_name("VaultPatch");
  }
  std::vector<std::string> expected = ReferenceAlerts(evs);
  ASSERT_FALSE(expected.empty());
  std::sort(expected.begin(), expected.end());

  // Shuffle in blocks of 25 events (25 * 20 s < 10 min).
  std::mt19937 rng(7);
  for (size_t i = 0; i < evs.size(); i += 25) {
    std::shuffle(evs.begin() + i, evs.begin() + std::min(evs.size(), i + 25), rng);
  }
  Feed(evs);
  engine_->Flush(sink_);
  std::vector<std::string> got = sink_.lines;
  std::sort(got.begin(), got.end());
  // Ordered detectors: the same alerts, byte for byte. Detectors that decide on arrival: the
  // same alerts (ids, types, windows); their sample event is the first to arrive.
  auto ordered = [](std::vector<std::string> lines) {
    std::erase_if(lines, [](const std::string& l) {
      return l.find("\"KV_TORAccess\"") != std::string::npos ||
             l.find("\"KV_SensitiveOperation\"") != std::string::npos;
    });
    return lines;
  };
  auto ids = [](const std::vector<std::string>& lines) {
    std::vector<std::string> out;
    for (const std::string& l : lines) out.push_back(l.substr(l.find("\"SystemAlertId\""), 60));
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(ordered(got), ordered(expected));
  EXPECT_EQ(ids(got), ids(expected));
  EXPECT_GT(ordered(expected).size(), 0u);
  EXPECT_LT(ordered(expected).size(), expected.size());
  EXPECT_EQ(engine_->stats().late_dropped, 0u);
}

// The detector stages hand the engine serialised events (ProcessSerialized): the same alerts, in
// the same order, as the decoded events; bytes that do not decode are refused and not counted.
TEST_F(EngineTest, ProcessSerializedMatchesProcess) {
  std::vector<v1::AccessEvent> evs = MixedTraffic();
  Feed(evs);
  engine_->Flush(sink_);
  const std::vector<std::string> expected = sink_.lines;
  ASSERT_FALSE(expected.empty());
  const uint64_t events = engine_->stats().events;

  TearDown();
  SetUp();
  for (const auto& e : evs) ASSERT_TRUE(engine_->ProcessSerialized(e.SerializeAsString(), sink_));
  EXPECT_FALSE(engine_->ProcessSerialized("\x12\x7f", sink_));  // length past the end
  engine_->Flush(sink_);
  EXPECT_EQ(sink_.lines, expected);
  EXPECT_EQ(engine_->stats().events, events);
}

// The fields the engine drops (engine.h) change no alert: the same traffic with them filled in
// differently, decoded or serialised, gives the alerts of the traffic without them.
TEST_F(EngineTest, IgnoredFieldsChangeNoAlert) {
  std::vector<v1::AccessEvent> evs = MixedTraffic();
  const std::vector<std::string> expected = ReferenceAlerts(evs);
  ASSERT_FALSE(expected.empty());

  for (size_t i = 0; i < evs.size(); ++i) {
    v1::AccessEvent& e = evs[i];
    e.set_subscription_id("s1");
    e.set_resource_group("rg");
    e.set_operation_version(i % 2 == 0 ? "7.4" : "2016-10-01");
    e.set_client_info("client/" + std::to_string(i % 9));
    e.set_request_uri("https://" + e.vault_name() + ".vault.azure.net/secrets/" + e.target_name() +
                      "?api-version=7.4&i=" + std::to_string(i));
    e.set_category("AuditEvent");
    e.mutable_source()->set_source("kv.audit.raw");
    e.mutable_source()->set_partition(static_cast<int32_t>(i % 3));
    e.mutable_source()->set_offset(static_cast<int64_t>(1000 + i));
  }
  for (bool serialised : {false, true}) {
    SCOPED_TRACE(serialised);
    TearDown();
    SetUp();
    for (const auto& e : evs) {
      if (serialised) {
        ASSERT_TRUE(engine_->ProcessSerialized(e.SerializeAsString(), sink_));
      } else {
        engine_->Process(e, sink_);
      }
    }
    engine_->Flush(sink_);
    EXPECT_EQ(sink_.lines, expected);
  }
}

TEST_F(EngineTest, RestoreFromACommitPointReproducesTheUninterruptedRun) {
  std::vector<v1::AccessEvent> evs = History(Ev{0}, 9, 20);
  Ev attack{kT0 + 9 * kDay + 3 * kHour};
  attack.ip = "203.0.113.5";
  attack.vault = "kv-new";
  for (int i = 0; i < 30; ++i) {
    attack.t += 20 * 1000000LL;
    attack.target = "secret-" + std::to_string(i);
    evs.push_back(Make(attack));
  }
  std::vector<std::string> expected = ReferenceAlerts(evs);
  ASSERT_FALSE(expected.empty());

  size_t half = evs.size() - 20;  // commit in the middle of the attack (events still buffered)
  for (size_t i = 0; i < half; ++i) engine_->Process(evs[i], sink_);
  Commit();
  // Crash: uncommitted work after the commit point is lost; restart from the store.
  for (size_t i = half; i < half + 5; ++i) engine_->Process(evs[i], sink_);
  std::vector<std::string> before = sink_.lines;
  // Alerts emitted before the commit point are kept (they were published with it).
  Reopen();
  for (size_t i = half; i < evs.size(); ++i) engine_->Process(evs[i], sink_);
  engine_->Flush(sink_);
  std::vector<std::string> all;
  // The alerts published up to the commit are those emitted while feeding [0, half).
  Collect replay;
  {
    // Recompute which of `before` were emitted before the commit: re-run [0, half) in a fresh
    // store.
    std::string d2 = dir_ + "_ref";
    state::StoreOptions o;
    o.path = d2;
    auto s = state::StateStore::Open(o);
    ASSERT_TRUE(s.ok());
    auto eng = Engine::Create(config_, Keying::kBoth, s->get(), intel_.get());
    ASSERT_TRUE(eng.ok());
    for (size_t i = 0; i < half; ++i) (*eng)->Process(evs[i], replay);
    eng->reset();
    s->reset();
    std::filesystem::remove_all(d2);
  }
  all = replay.lines;
  all.insert(all.end(), sink_.lines.begin(), sink_.lines.end());
  EXPECT_EQ(all, expected);
}

// A busy key's reorder buffer (here 3,000 events within the allowed lateness, about 1 MB) is
// stored in segments written once each: no stored value (each becomes a changelog record,
// which Kafka caps at 1 MB by default) grows with the buffer. A crash and restart from a commit
// in the middle of the burst restores exactly the buffered events, and once everything is
// released no segment or marker is left.
TEST_F(EngineTest, BusyKeyBufferIsStoredInBoundedSegmentsAndSurvivesARestart) {
  std::vector<v1::AccessEvent> evs = History(Ev{0}, 9, 20);
  Ev burst{kT0 + 9 * kDay + 3 * kHour};
  burst.ip = "192.0.2.77";  // TOR: one alert whatever the order
  for (int i = 0; i < 3000; ++i) {
    burst.t += 100000;  // 10 per second: 300 s, all buffered at once
    burst.target = "secret-with-a-longer-name-to-weigh-like-production-" + std::to_string(i);
    v1::AccessEvent e = Make(burst);
    e.set_request_uri("https://kv-1.vault.azure.net/secrets/" + burst.target +
                      "?api-version=7.4&padding=" + std::string(150, 'p'));
    evs.push_back(std::move(e));
  }
  Feed(evs);
  engine_->Flush(sink_);
  Commit();
  const std::vector<std::string> expected = sink_.lines;
  ASSERT_FALSE(expected.empty());

  TearDown();
  SetUp();
  const size_t crash_at = evs.size() - 800;
  std::vector<std::string> published;
  size_t largest = 0;
  for (size_t i = 0; i < crash_at; ++i) {
    engine_->Process(evs[i], sink_);
    if ((i + 1) % 100 == 0) {
      Commit();
      published = sink_.lines;
      largest = std::max(largest, LargestCommittedValue());
    }
  }
  EXPECT_LE(largest, KeyState::kMaxSegmentBytes + 4096);
  // Lost at the crash: events after the last commit (and the alerts they produced).
  const size_t committed = crash_at - crash_at % 100;
  Reopen();
  for (size_t i = committed; i < evs.size(); ++i) engine_->Process(evs[i], sink_);
  engine_->Flush(sink_);
  Commit();
  std::vector<std::string> all = published;
  all.insert(all.end(), sink_.lines.begin(), sink_.lines.end());
  EXPECT_EQ(all, expected);
  EXPECT_EQ(engine_->stats().late_dropped, 0u);

  size_t leftovers = 0;
  ASSERT_TRUE(store_
                  ->ForEachCommitted([&](std::string_view k, std::string_view) {
                    if (k.starts_with("e/s/") || k.starts_with("e/b/")) ++leftovers;
                  })
                  .ok());
  EXPECT_EQ(leftovers, 0u);
}

// The Kafka detector stages keep buffered events out of the store (PrepareCommit's
// store_before_offset) and rebuild the reorder buffer after a crash by reading the input again
// from UnstoredFrom() (RefillSerialized). The alerts are those of an uninterrupted run; events
// released or late before the commit are not buffered again; only events read before the bound
// reach the store.
TEST_F(EngineTest, AReorderBufferReadAgainFromItsInputReproducesTheUninterruptedRun) {
  std::vector<v1::AccessEvent> evs = History(Ev{0}, 9, 20);
  // The policy change is still buffered at the last commit before the crash, so the ordered
  // detector's alert (KV_PutGetAnomaly) needs the buffer rebuilt.
  const std::vector<Ev> bursts = PolicyChangeBurst();
  for (size_t i = 0; i < bursts.size(); ++i) {
    const Ev& burst = bursts[i];
    // Another caller on the same vault, 10 s back: out of order, not late.
    Ev other = burst;
    other.oid = "user-2";
    other.upn = "bob@contoso.com";
    other.t = burst.t - 10 * 1000000LL;
    other.code = v1::OP_SECRET_GET;
    other.op = "SecretGet";
    Ev late = burst;  // an hour back: late for both keys
    late.t = burst.t - kHour;
    late.target = "late-" + std::to_string(i);
    evs.push_back(Make(burst));
    evs.push_back(Make(other));
    if (i % 50 == 49) evs.push_back(Make(late));
  }
  std::vector<std::string> bytes;
  for (const auto& e : evs) bytes.push_back(e.SerializeAsString());
  constexpr size_t kPerRecord = 4;  // events per input record; the offset is the record's
  auto offset = [](size_t i) { return static_cast<int64_t>(i / kPerRecord); };

  for (size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_TRUE(engine_->ProcessSerialized(bytes[i], sink_, offset(i)));
  }
  engine_->Flush(sink_);
  const std::vector<std::string> expected = sink_.lines;
  ASSERT_EQ(sink_.Count("KV_PutGetAnomaly"), 1u);
  const uint64_t late_expected = engine_->stats().late_dropped;
  ASSERT_GT(late_expected, 0u);

  TearDown();
  SetUp();
  const size_t crash_at = bytes.size() - 333;
  std::vector<std::string> published;
  size_t committed = 0;
  int64_t replay_from = -1;
  for (size_t i = 0; i < crash_at; ++i) {
    ASSERT_TRUE(engine_->ProcessSerialized(bytes[i], sink_, offset(i)));
    if ((i + 1) % 100 != 0) continue;  // commits at record boundaries (100 = 25 records)
    const int64_t next = offset(i) + 1;
    // Some commits store what was read more than 30 records back.
    const int64_t store_before = (i + 1) % 500 == 0 ? next - 30 : 0;
    state::CommitPoint p;
    engine_->PrepareCommit(&p, store_before);
    ASSERT_TRUE(store_->Commit(p).ok());
    replay_from = engine_->UnstoredFrom();
    if (replay_from >= 0) {
      EXPECT_GE(replay_from, store_before);
    }
    published = sink_.lines;
    committed = i + 1;
    if (committed == 100) {
      // Buffered events, none stored.
      EXPECT_GE(replay_from, 0);
      size_t segments = 0;
      ASSERT_TRUE(store_
                      ->ForEachCommitted([&](std::string_view k, std::string_view) {
                        if (k.starts_with("e/s/")) ++segments;
                      })
                      .ok());
      EXPECT_EQ(segments, 0u);
    }
  }
  ASSERT_GE(replay_from, 0);  // the crash leaves buffered events outside the store
  ASSERT_LT(replay_from, offset(committed));
  for (const std::string& line : published) {
    ASSERT_EQ(line.find("KV_PutGetAnomaly"), std::string::npos)
        << "the policy change must be buffered";
  }

  Reopen();
  for (size_t i = 0; i < committed; ++i) {
    if (offset(i) >= replay_from) {
      ASSERT_TRUE(engine_->RefillSerialized(bytes[i], offset(i)));
    }
  }
  EXPECT_TRUE(sink_.lines.empty()) << "a refill detects nothing";
  EXPECT_EQ(engine_->stats().events, 0u);
  for (size_t i = committed; i < bytes.size(); ++i) {
    ASSERT_TRUE(engine_->ProcessSerialized(bytes[i], sink_, offset(i)));
  }
  engine_->Flush(sink_);
  std::vector<std::string> all = published;
  all.insert(all.end(), sink_.lines.begin(), sink_.lines.end());
  EXPECT_EQ(all, expected);
}

// Renames the engine's key entries in the store at `dir` (closed) to the names a store written
// before the digest names holds them under: "e/k/<tag>/<key>" for "e/k/<tag>\x01<digest>", and
// "e/s/<tag>/<key>\0<segment in decimal>" for "e/s/<tag>\x01<digest><segment, 8 bytes>". The
// test knows every key (`keys`: side tag and key). Returns how many entries it renamed.
size_t UseOldKeyNames(const std::string& dir,
                      const std::set<std::pair<std::string, std::string>>& keys) {
  std::map<std::string, std::string> old_name;  // digest-named prefix -> old-named prefix
  for (const auto& [tag, key] : keys) {
    for (const char* family : {"e/k/", "e/s/"}) {
      std::string digest_name = family + tag + '\x01';
      state::AppendKeyDigest(&digest_name, key);
      old_name[digest_name] = family + tag + "/" + key;
    }
  }
  rocksdb::DBOptions db;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, {}}, {"spill", {}}, {"meta", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::Open(db, dir, cfs, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> rdb(raw);
  rocksdb::WriteBatch b;
  size_t renamed = 0;
  std::unique_ptr<rocksdb::Iterator> it(rdb->NewIterator(rocksdb::ReadOptions(), handles[0]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string k = it->key().ToString();
    std::string name;
    if (k.starts_with("e/k/") && old_name.count(k)) {
      name = old_name.at(k);
    } else if (k.starts_with("e/s/") && k.size() > 8 && old_name.count(k.substr(0, k.size() - 8))) {
      uint64_t segment = 0;
      for (size_t i = k.size() - 8; i < k.size(); ++i) {
        segment = segment << 8 | static_cast<unsigned char>(k[i]);
      }
      name =
          old_name.at(k.substr(0, k.size() - 8)) + std::string(1, '\0') + std::to_string(segment);
    } else {
      EXPECT_FALSE(k.starts_with("e/k/") || k.starts_with("e/s/")) << "an entry of no known key";
      continue;
    }
    b.Delete(handles[0], k);
    b.Put(handles[0], name, it->value());
    ++renamed;
  }
  EXPECT_TRUE(it->status().ok());
  it.reset();
  EXPECT_TRUE(rdb->Write(rocksdb::WriteOptions(), &b).ok());
  for (auto* h : handles) EXPECT_TRUE(rdb->DestroyColumnFamilyHandle(h).ok());
  EXPECT_TRUE(rdb->Close().ok());
  return renamed;
}

// A store written before the digest names holds each key's state and reorder-buffer segments
// under the key itself. The engine reads such a store as it was, a policy change still buffered
// in a stored segment included, and moves each key it sees to the digest names at the next
// commit: the alerts are those of a run that never changed layout, and no old name is left.
TEST_F(EngineTest, AStoreWithTheOldKeyNamesIsReadAndMovedToTheDigestNames) {
  std::vector<v1::AccessEvent> evs = History(Ev{0}, 9, 20);
  for (const Ev& burst : PolicyChangeBurst()) evs.push_back(Make(burst));
  const std::vector<std::string> expected = ReferenceAlerts(evs);
  ASSERT_EQ(std::count_if(expected.begin(), expected.end(),
                          [](const std::string& l) {
                            return l.find("KV_PutGetAnomaly") != std::string::npos;
                          }),
            1);
  std::set<std::pair<std::string, std::string>> keys;
  for (const v1::AccessEvent& e : evs) {
    keys.emplace("v", e.vault_id());
    keys.emplace("c", ingest::CallerKey(e));
  }

  // Stopped and committed with the policy change buffered (stored in a segment).
  const size_t split = evs.size() - 150;
  for (size_t i = 0; i < split; ++i) engine_->Process(evs[i], sink_);
  Commit();
  const std::vector<std::string> published = sink_.lines;
  for (const std::string& line : published) {
    ASSERT_EQ(line.find("KV_PutGetAnomaly"), std::string::npos);
  }
  engine_.reset();
  store_.reset();
  ASSERT_GT(UseOldKeyNames(dir_, keys), keys.size());  // every key's state, and segments

  Reopen();
  for (size_t i = split; i < evs.size(); ++i) engine_->Process(evs[i], sink_);
  engine_->Flush(sink_);
  Commit();
  std::vector<std::string> all = published;
  all.insert(all.end(), sink_.lines.begin(), sink_.lines.end());
  EXPECT_EQ(all, expected);
  EXPECT_EQ(engine_->stats().migrated_keys, keys.size());
  size_t old_names = 0, digest_names = 0;
  ASSERT_TRUE(store_
                  ->ForEachCommitted([&](std::string_view k, std::string_view) {
                    if (k.starts_with("e/k/") || k.starts_with("e/s/")) {
                      ++(k[5] == '/' ? old_names : digest_names);
                    }
                  })
                  .ok());
  EXPECT_EQ(old_names, 0u);
  EXPECT_EQ(digest_names, keys.size());  // each key's state; no segment once all is released
}

// After a Flush (end of input) every buffered event is released: a later event no newer than
// the ones released is late, so a restore never mistakes a stored event for a released one.
TEST_F(EngineTest, AfterAFlushAnEventNoNewerThanTheReleasedOnesIsLate) {
  Feed({Make(Ev{kT0}), Make(Ev{kT0 + kMin})});
  engine_->Flush(sink_);
  Feed({Make(Ev{kT0 + 30 * 1000000LL})});  // within the lateness, but before a released event
  EXPECT_EQ(engine_->stats().late_dropped, 1u);
  Feed({Make(Ev{kT0 + 2 * kMin})});
  EXPECT_EQ(engine_->stats().late_dropped, 1u);
}

TEST_F(EngineTest, UserAnomalyIsSilentWithoutHistoryAndFiresAfterLearning) {
  // A user with two days of history reaching a new vault: too little history, silent.
  std::vector<v1::AccessEvent> evs = History(Ev{0}, 2, 10);
  Ev other{kT0 + 2 * kDay + 9 * kHour};
  other.vault = "kv-other";
  evs.push_back(Make(other));
  Feed(evs);
  engine_->Flush(sink_);
  EXPECT_EQ(sink_.Count("KV_UserAnomaly"), 0u);

  TearDown();
  SetUp();
  evs = History(Ev{0}, 10, 10);
  other.t = kT0 + 10 * kDay + 9 * kHour;
  evs.push_back(Make(other));
  Feed(evs);
  engine_->Flush(sink_);
  ASSERT_EQ(sink_.Count("KV_UserAnomaly"), 1u);
  EXPECT_EQ(sink_.alerts.back().azure_resource_id().find("kv-other") != std::string::npos, true);
}

TEST_F(EngineTest, AppAnomalyAndDeniedAnomalyAndRoamingAdminsStayQuiet) {
  Ev app{0};
  app.oid = "app-oid";
  app.upn = "";
  app.app = "app-id";
  app.ip = "20.1.1.1";
  std::vector<v1::AccessEvent> evs = History(app, 10, 10);
  // An admin that touches a different vault every day: roaming, so a new vault is routine.
  Ev admin{0};
  admin.oid = "admin";
  admin.upn = "admin@contoso.com";
  for (int d = 0; d < 10; ++d) {
    admin.vault = "kv-a" + std::to_string(d);
    admin.t = kT0 + d * kDay + 10 * kHour;
    evs.push_back(Make(admin));
  }
  std::sort(evs.begin(), evs.end(),
            [](const auto& a, const auto& b) { return a.time_us() < b.time_us(); });
  app.vault = "kv-foreign";
  app.t = kT0 + 10 * kDay + 9 * kHour;
  evs.push_back(Make(app));
  admin.vault = "kv-a99";
  admin.t = app.t + kMin;
  evs.push_back(Make(admin));
  Ev dev{0};
  dev.oid = "dev";
  dev.upn = "dev@contoso.com";
  auto hist = History(dev, 10, 5, kT0 + 11 * kDay);
  evs.insert(evs.end(), hist.begin(), hist.end());
  dev.vault = "kv-locked";
  dev.outcome = v1::OUTCOME_DENIED;
  dev.t = kT0 + 21 * kDay + 9 * kHour;
  evs.push_back(Make(dev));
  Feed(evs);
  engine_->Flush(sink_);
  EXPECT_EQ(sink_.Count("KV_AppAnomaly"), 1u);
  EXPECT_EQ(sink_.Count("KV_UserAccessDeniedAnomaly"), 1u);
  EXPECT_EQ(sink_.Count("KV_UserAnomaly"), 0u) << "the roaming admin";
}

TEST_F(EngineTest, ListGetFiresForAFirstTimeDumperNotForADailySyncJob) {
  Ev sync{0};
  sync.oid = "sync";
  sync.upn = "";
  sync.app = "sync-app";
  sync.ip = "20.1.1.2";
  std::vector<v1::AccessEvent> evs;
  for (int d = 0; d < 10; ++d) {
    for (int h = 0; h < 24; h += 6) {
      Ev l = ListBy(sync, kT0 + d * kDay + h * kHour);
      evs.push_back(Make(l));
      for (int i = 0; i < 40; ++i) {
        Ev g = sync;
        g.t = l.t + (i + 1) * 1000000LL;
        g.target = "s" + std::to_string(i);
        evs.push_back(Make(g));
      }
    }
  }
  Ev reader{0};
  reader.oid = "reader";
  reader.upn = "";
  reader.app = "reader-app";
  reader.ip = "20.1.1.3";
  auto hist = History(reader, 10, 10);
  evs.insert(evs.end(), hist.begin(), hist.end());
  std::stable_sort(evs.begin(), evs.end(),
                   [](const auto& a, const auto& b) { return a.time_us() < b.time_us(); });
  Ev l = reader;
  l.t = kT0 + 10 * kDay + 2 * kHour;
  l.code = v1::OP_SECRET_LIST;
  l.op = "SecretList";
  evs.push_back(Make(l));
  for (int i = 0; i < 40; ++i) {
    Ev g = reader;
    g.t = l.t + (i + 1) * 3 * 1000000LL;
    g.target = "s" + std::to_string(i);
    evs.push_back(Make(g));
  }
  Feed(evs);
  engine_->Flush(sink_);
  ASSERT_EQ(sink_.Count("KV_ListGetAnomaly"), 1u);
  for (const auto& a : sink_.alerts) {
    if (a.alert_type() != "KV_ListGetAnomaly") continue;
    bool reader_acc = false;
    for (const auto& ent : a.entities()) reader_acc |= ent.aad_user_id() == "reader";
    EXPECT_TRUE(reader_acc);
    EXPECT_NE(a.extended_properties().at("Alert Reasons").find("baseline is 0 list-then-get"),
              std::string::npos);
  }
}

// A caller that reads a whole large vault after a List, and secrets of thousands of vaults a
// day, keeps a bounded state value: it must fit one changelog record (1 MB by default), or the
// pipeline's transaction fails on every retry.
TEST_F(EngineTest, ACallerReadingEverythingKeepsItsStateValueSmall) {
  Ev scanner{kT0};
  scanner.oid = "scanner";
  scanner.upn = "";
  scanner.app = "scanner-app";
  std::vector<v1::AccessEvent> evs;
  evs.push_back(Make(ListBy(scanner, kT0)));
  for (int i = 0; i < 30000; ++i) {
    Ev g = scanner;
    g.t = kT0 + 1000 + i * 1000LL;  // within the List's window
    g.target = "secret-" + std::to_string(i);
    evs.push_back(Make(g));
  }
  for (int d = 1; d <= 3; ++d) {
    for (int v = 0; v < 6000; ++v) {
      Ev g = scanner;
      g.t = kT0 + d * kDay + v * 5000LL;
      g.vault = "kv-" + std::to_string(v) + "-" + std::to_string(d);
      evs.push_back(Make(g));
    }
  }
  Feed(evs);
  engine_->Flush(sink_);
  Commit();
  EXPECT_LE(LargestCommittedValue(), 300u << 10);
}

TEST_F(EngineTest, MassRetrievalNeedsBothTheStaticThresholdAndTheCallersNorm) {
  std::vector<v1::AccessEvent> evs = History(Ev{0}, 10, 12);  // a norm of 12 a day
  Ev burst{kT0 + 10 * kDay + 9 * kHour};
  for (int i = 0; i < 30; ++i) {  // 30 > 25 but only 2.5x the norm: quiet
    burst.t += kMin;
    evs.push_back(Make(burst));
  }
  Feed(evs);
  Ev tick{kT0 + 10 * kDay + 23 * kHour};
  Feed({Make(tick)});
  EXPECT_EQ(sink_.Count("KV_MassSecretRetrieval"), 0u);
  burst.t = kT0 + 11 * kDay + 9 * kHour;
  for (int i = 0; i < 150; ++i) {  // above 3x the busiest baseline day (42, with the burst)
    burst.t += kMin;
    engine_->Process(Make(burst), sink_);
  }
  engine_->Flush(sink_);
  EXPECT_EQ(sink_.Count("KV_MassSecretRetrieval"), 1u);
}

TEST_F(EngineTest, PolicyFlipWithinTheWindowOnly) {
  Ev add{kT0};
  add.code = v1::OP_VAULT_PATCH;
  add.op = "VaultPatch";
  add.target = "";
  v1::AccessEvent a = Make(add);
  a.mutable_policy_change()->add_added_object_ids("x-oid");
  Ev rem = add;
  rem.t = kT0 + 5 * kMin;
  v1::AccessEvent r = Make(rem);
  r.mutable_policy_change()->add_removed_object_ids("x-oid");
  // And a slow one: added, removed after an hour.
  v1::AccessEvent a2 = a;
  a2.set_time_us(kT0 + kHour);
  a2.mutable_policy_change()->set_added_object_ids(0, "y-oid");
  v1::AccessEvent r2 = r;
  r2.set_time_us(kT0 + 2 * kHour + kMin);
  r2.mutable_policy_change()->set_removed_object_ids(0, "y-oid");
  Feed({a, r, a2, r2});
  engine_->Flush(sink_);
  ASSERT_EQ(sink_.Count("KV_AccessPolicyFlip"), 1u);
  EXPECT_EQ(sink_.alerts[0].extended_properties().at("Principal Added And Removed"), "x-oid");
}

TEST_F(EngineTest, SensitiveOperationAndPutGetAndExcessiveRetrieval) {
  std::vector<v1::AccessEvent> evs = History(Ev{0}, 8, 5);
  Ev del{kT0 + 8 * kDay + 9 * kHour};
  del.code = v1::OP_SECRET_PURGE;
  del.op = "SecretPurge";
  evs.push_back(Make(del));
  Ev put{kT0 + 8 * kDay + 10 * kHour};
  put.code = v1::OP_VAULT_PATCH;
  put.op = "VaultPatch";
  evs.push_back(Make(put));
  Ev get{put.t + 7 * kMin};
  evs.push_back(Make(get));
  // 12 reads of two kinds within a minute.
  for (int i = 0; i < 12; ++i) {
    Ev r{kT0 + 8 * kDay + 12 * kHour + i * 4 * 1000000LL};
    if (i % 2 == 1) {
      r.code = v1::OP_KEY_GET;
      r.op = "KeyGet";
      r.object = v1::OBJECT_TYPE_KEY;
    }
    evs.push_back(Make(r));
  }
  Feed(evs);
  engine_->Flush(sink_);
  EXPECT_EQ(sink_.Count("KV_SensitiveOperation"), 1u);
  EXPECT_EQ(sink_.Count("KV_PutGetAnomaly"), 1u);
  EXPECT_EQ(sink_.Count("KV_ExcessiveRetrieval"), 1u);
}

TEST_F(EngineTest, DisabledDetectorsDoNotFire) {
  config_.enabled["KV_TORAccess"] = false;
  TearDown();
  SetUp();
  Ev e{kT0};
  e.ip = "192.0.2.7";
  Feed({Make(e)});
  engine_->Flush(sink_);
  EXPECT_EQ(sink_.Count("KV_TORAccess"), 0u);
}

}  // namespace
}  // namespace vw::detect
