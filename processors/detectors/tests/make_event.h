// Test support for the detector tests: an AccessEvent as ingest would produce it, from a plain
// description, the tests' threat-intel lists, and a run of a fresh engine to the end of its
// input. EventSpec describes an event with common defaults; a test file wanting other defaults
// declares its own struct: any struct with these fields will do.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "processors/detectors/engine.h"
#include "processors/detectors/ip_set.h"
#include "processors/detectors/threat_intel.h"
#include "state/state_store.h"
#include "tests/support/alert_sink.h"
#include "vw/v1/access_event.pb.h"

namespace vw::detect::test_support {

// A user's successful SecretGet of db-password in kv-1 from 198.51.100.10, at `t`.
struct EventSpec {
  EventSpec() = default;
  explicit EventSpec(int64_t time) : t(time) {}
  int64_t t = 0;
  std::string vault = "kv-1";
  std::string op = "SecretGet";
  v1::Operation code = v1::OP_SECRET_GET;
  std::string oid = "user-1";
  std::string upn = "alice@contoso.com";
  std::string app;
  std::string ip = "198.51.100.10";
  v1::Outcome outcome = v1::OUTCOME_SUCCESS;
  std::string target = "db-password";
  v1::ObjectType object = v1::OBJECT_TYPE_SECRET;
};

// `E` has: t (event time, us), vault, op (operation name), code (v1::Operation), object
// (v1::ObjectType), oid, upn, app, ip, outcome (v1::Outcome), target.
template <typename E>
v1::AccessEvent MakeEvent(const E& e) {
  v1::AccessEvent a;
  a.set_time_us(e.t);
  a.set_vault_id("/subscriptions/s1/resourcegroups/rg/providers/microsoft.keyvault/vaults/" +
                 e.vault);
  a.set_vault_name(e.vault);
  a.set_operation(e.code);
  a.set_operation_name(e.op);
  a.set_object_type(e.object);
  a.set_outcome(e.outcome);
  a.set_http_status(e.outcome == v1::OUTCOME_SUCCESS ? 200 : 403);
  a.set_result_signature(e.outcome == v1::OUTCOME_SUCCESS ? "OK" : "Forbidden");
  a.mutable_caller()->set_object_id(e.oid);
  a.mutable_caller()->set_upn(e.upn);
  a.mutable_caller()->set_app_id(e.app);
  a.mutable_caller()->set_identity_type(
      e.upn.empty() ? v1::IDENTITY_TYPE_SERVICE_PRINCIPAL
                    : (e.app.empty() ? v1::IDENTITY_TYPE_USER : v1::IDENTITY_TYPE_USER_AND_APP));
  a.mutable_caller()->set_ip_text(e.ip);
  a.mutable_caller()->set_ip(ParseIp(e.ip).value());
  a.set_target_name(e.target);
  a.set_correlation_id("c-" + std::to_string(e.t));
  return a;
}

// TOR 192.0.2.0/24, suspicious 203.0.113.0/24, Microsoft 20.0.0.0/8, internal 10.0.0.0/8.
inline std::unique_ptr<ThreatIntel> TestIntel() {
  IpSetBuilder tor, sus, ms, internal;
  EXPECT_TRUE(tor.Add("192.0.2.0/24").ok());
  EXPECT_TRUE(sus.Add("203.0.113.0/24").ok());
  EXPECT_TRUE(ms.Add("20.0.0.0/8").ok());
  EXPECT_TRUE(internal.Add("10.0.0.0/8").ok());
  return ThreatIntel::FromSets(tor.Build(), sus.Build(), ms.Build(), internal.Build());
}

// Runs `events` (stably sorted by time here) through a fresh engine (both keyings) on an empty
// store in `dir`, to the end of input, and returns its alerts.
inline ::vw::testing::CollectingAlertSink RunFresh(const DetectConfig& config,
                                                   const std::string& dir,
                                                   std::vector<v1::AccessEvent> events) {
  std::filesystem::remove_all(dir);
  std::unique_ptr<ThreatIntel> intel = TestIntel();
  state::StoreOptions o;
  o.path = dir;
  auto store = state::StateStore::Open(o);
  EXPECT_TRUE(store.ok()) << store.status();
  auto engine = Engine::Create(config, Keying::kBoth, store->get(), intel.get());
  EXPECT_TRUE(engine.ok()) << engine.status();
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.time_us() < b.time_us(); });
  ::vw::testing::CollectingAlertSink sink;
  for (const v1::AccessEvent& e : events) (*engine)->Process(e, sink);
  (*engine)->Flush(sink);
  return sink;
}

}  // namespace vw::detect::test_support
