// The engine's encodings, without an engine: the wire-format walk that drops ignored fields
// (event_wire.cc), the reusing event parser, and the persisted KeyState (key_state_codec.cc).
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/varint.h"
#include "processors/detectors/detector.h"
#include "processors/detectors/engine.h"
#include "processors/detectors/tests/make_event.h"

namespace vw::detect {
namespace {

constexpr int64_t kMin = 60LL * 1000000;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z

using Ev = test_support::EventSpec;

v1::AccessEvent Make(const Ev& e) { return test_support::MakeEvent(e); }

TEST(StripIgnoredFieldsTest, DecodesAsTheEventWithoutThem) {
  v1::AccessEvent full = Make(Ev{kT0});
  full.set_subscription_id("s1");
  full.set_resource_group("rg");
  full.set_vault_kind(v1::VAULT_KIND_KEY_VAULT);
  full.set_operation_version("7.4");
  full.set_client_info("FxVersion/4.8 OSName/Windows");
  full.set_request_uri("https://kv-1.vault.azure.net/secrets/db-password?api-version=7.4");
  full.set_target_version("0123456789abcdef0123456789abcdef");
  full.set_duration_ms(16);
  full.mutable_policy_change()->add_added_object_ids("user-2");
  full.set_is_rbac_authorized(v1::TRI_STATE_TRUE);
  full.mutable_source()->set_source("kv.audit.raw");
  full.mutable_source()->set_offset(42);
  full.set_category("AuditEvent");
  full.mutable_ip_facts()->set_tor(true);
  const std::string unknown("\xa0\x06\x07\xa9\x06\x01\x02\x03\x04\x05\x06\x07\x08", 13);
  const std::string bytes = full.SerializeAsString() + unknown;  // fields 100 and 101 (fixed64)

  v1::AccessEvent want = full;
  ClearIgnoredFields(&want);
  EXPECT_TRUE(want.client_info().empty());
  EXPECT_TRUE(want.request_uri().empty());
  EXPECT_EQ(want.vault_name(), "kv-1");  // alerts name the vault
  std::string out;
  ASSERT_TRUE(StripIgnoredFields(bytes, &out));
  EXPECT_EQ(out, want.SerializeAsString() + unknown);
  EXPECT_LT(out.size(), bytes.size() - 100);

  // Nothing to drop: the bytes as they were.
  ASSERT_TRUE(StripIgnoredFields(want.SerializeAsString(), &out));
  EXPECT_EQ(out, want.SerializeAsString());
  ASSERT_TRUE(StripIgnoredFields("", &out));
  EXPECT_EQ(out, "");

  // Malformed: refused, whatever was written to `out`.
  for (std::string_view bad : {std::string_view("\x12\x7f", 2),  // length past the end
                               std::string_view("\x80", 1),      // varint cut short
                               std::string_view("\x08", 1),      // varint value missing
                               std::string_view("\x0b", 1),      // wire type 3 (start group)
                               std::string_view("\x0e\x00", 2),  // wire type 6
                               std::string_view("\xe9\x07\x01\x02", 4),  // fixed64 cut short
                               std::string_view("\xed\x07\x01", 3)}) {   // fixed32 cut short
    SCOPED_TRACE(::testing::PrintToString(std::string(bad)));
    EXPECT_FALSE(StripIgnoredFields(bad, &out));
  }
}

TEST(ParseEventReusingTest, MatchesParseFromArrayAndKeepsTheSubMessages) {
  v1::AccessEvent full = Make(Ev{kT0});
  full.mutable_source()->set_source("kv.audit.raw.with-a-long-topic-name");
  full.mutable_source()->set_offset(42);
  v1::AccessEvent no_caller = full;
  no_caller.clear_caller();
  no_caller.clear_source();
  v1::AccessEvent empty_caller = full;
  empty_caller.mutable_caller()->Clear();  // present, empty: serialised as such
  v1::AccessEvent extras = full;
  extras.mutable_policy_change()->add_added_object_ids("user-2");
  extras.mutable_ip_facts()->set_tor(true);
  std::vector<std::string> inputs;
  for (const v1::AccessEvent* e : {&full, &no_caller, &full, &empty_caller, &extras, &full})
    inputs.push_back(e->SerializeAsString());
  inputs.push_back(full.SerializeAsString() + std::string("\xa0\x06\x07", 3));  // unknown 100

  v1::AccessEvent reused;
  for (size_t i = 0; i < inputs.size(); ++i) {
    SCOPED_TRACE(i);
    v1::AccessEvent plain;
    ASSERT_TRUE(plain.ParseFromArray(inputs[i].data(), static_cast<int>(inputs[i].size())));
    ASSERT_TRUE(ParseEventReusing(inputs[i], &reused));
    EXPECT_EQ(reused.SerializeAsString(), plain.SerializeAsString());
    EXPECT_EQ(reused.has_caller(), plain.has_caller());
    EXPECT_EQ(reused.has_source(), plain.has_source());
    EXPECT_EQ(reused.has_policy_change(), plain.has_policy_change());
    EXPECT_EQ(reused.has_ip_facts(), plain.has_ip_facts());
  }
  // From one full event to the next the Caller is the same object (not freed and reallocated).
  ASSERT_TRUE(ParseEventReusing(inputs[0], &reused));
  const v1::Caller* before = &reused.caller();
  ASSERT_TRUE(ParseEventReusing(inputs[2], &reused));
  EXPECT_EQ(&reused.caller(), before);
  EXPECT_FALSE(ParseEventReusing(std::string_view("\x12\x7f", 2), &reused));
}

// Varints as KeyState writes them, to build the values older versions wrote.
size_t VarintLength(std::string_view s, size_t pos) {
  size_t n = 1;
  while (static_cast<unsigned char>(s[pos + n - 1]) & 0x80) ++n;
  return n;
}
std::string Varint(uint64_t v) {
  std::string out;
  PutVarint64(&out, v);
  return out;
}

// KeyState is persisted in stores that outlive an upgrade: the current encoding round-trips, and
// values written by versions 4 (the reorder buffer embedded) and 3 (also without the trailing
// burst fields) still decode, their buffered events as not yet stored in segments.
TEST(KeyStateTest, EncodingRoundTripsAndDecodesVersions3And4) {
  KeyState ks;
  ks.max_seen_us = kT0;
  ks.first_us = kT0 - kDay;
  ks.last_us = kT0 - kHour;
  ks.released_through_us = kT0 - kHour;
  ks.segment_next = 9;
  ks.segments = {{7, 2}, {8, 1}};
  ks.list_names = {1, 5, 9};
  ks.mass.push_back(KeyState::OpDay{42, 7, kT0, 30, 40});
  ks.burst_day = kT0;
  ks.burst_base = 3;
  const std::string v5 = ks.Encode();
  KeyState back;
  ASSERT_TRUE(KeyState::Decode(v5, &back));
  EXPECT_EQ(back.first_us, ks.first_us);
  EXPECT_EQ(back.released_through_us, ks.released_through_us);
  EXPECT_EQ(back.segment_lo, 7u);  // the oldest segment still holding buffered events
  EXPECT_EQ(back.segment_next, 9u);
  EXPECT_TRUE(back.pending.empty());
  EXPECT_EQ(back.list_names, ks.list_names);
  ASSERT_EQ(back.mass.size(), 1u);
  EXPECT_EQ(back.mass[0].count, 30);
  EXPECT_EQ(back.burst_day, kT0);
  EXPECT_EQ(back.burst_base, 3);

  // Version 4: the three times, then the buffered events in place of released_through_us and the
  // segment range.
  ASSERT_EQ(v5[0], 5);
  size_t pos = 1;
  for (int i = 0; i < 3; ++i) pos += VarintLength(v5, pos);
  const std::string times = v5.substr(1, pos - 1);
  for (int i = 0; i < 3; ++i) pos += VarintLength(v5, pos);
  const std::string rest = v5.substr(pos);
  const std::string event = Make(Ev{kT0 - kMin}).SerializeAsString();
  const std::string v4 = "\x04" + times + Varint(1) + Varint(event.size()) + event + rest;
  KeyState from_v4;
  ASSERT_TRUE(KeyState::Decode(v4, &from_v4));
  ASSERT_EQ(from_v4.pending.size(), 1u);
  EXPECT_EQ(from_v4.pending[0].event->event.time_us(), kT0 - kMin);
  EXPECT_EQ(from_v4.pending[0].segment, 0u);
  EXPECT_EQ(from_v4.unstored, 1u);
  EXPECT_EQ(from_v4.released_through_us, ks.last_us);
  EXPECT_EQ(from_v4.burst_base, 3);

  // Version 3: version 4 without the trailing burst_day (zigzag varint) and burst_base.
  KeyState old;  // a copy of ks (KeyState is not copyable: it owns its run ahead)
  ASSERT_TRUE(KeyState::Decode(ks.Encode(), &old));
  old.burst_day = 0;
  old.burst_base = 0;
  std::string v3 = old.Encode();
  v3 = "\x03" + times + Varint(0) + v3.substr(pos);
  v3.resize(v3.size() - 2);  // the two one-byte varints of 0
  KeyState from_v3;
  ASSERT_TRUE(KeyState::Decode(v3, &from_v3));
  EXPECT_EQ(from_v3.mass.size(), 1u);
  EXPECT_EQ(from_v3.burst_day, INT64_MIN);
  EXPECT_EQ(from_v3.burst_base, 0);
  v3[0] = 2;  // an unknown version is refused
  EXPECT_FALSE(KeyState::Decode(v3, &from_v3));
  std::string v6 = v5;
  v6[0] = 6;
  EXPECT_FALSE(KeyState::Decode(v6, &from_v3));
}

// The hour's touched set: a repeat is found, the set is emptied when the hour turns, and the
// encoding does not depend on the order of insertion (a restored state re-encodes identically).
TEST(KeyStateTest, TouchedSetIsHourScopedAndEncodesCanonically) {
  KeyState a, b;
  for (uint64_t h = 1; h <= 300; ++h)
    EXPECT_FALSE(a.TouchedThisHour(h * 0x9e3779b97f4a7c15ULL, kT0));
  for (uint64_t h = 300; h >= 1; --h)
    EXPECT_FALSE(b.TouchedThisHour(h * 0x9e3779b97f4a7c15ULL, kT0));
  EXPECT_TRUE(a.TouchedThisHour(7 * 0x9e3779b97f4a7c15ULL, kT0 + 59 * kMin));
  EXPECT_TRUE(a.TouchedThisHour(0, kT0) == false && a.TouchedThisHour(0, kT0));  // 0 is a value too
  EXPECT_TRUE(b.TouchedThisHour(0, kT0 + kMin) == false);
  EXPECT_EQ(a.Encode(), b.Encode());
  KeyState back;
  ASSERT_TRUE(KeyState::Decode(a.Encode(), &back));
  EXPECT_EQ(back.Encode(), a.Encode());
  EXPECT_TRUE(back.TouchedThisHour(300 * 0x9e3779b97f4a7c15ULL, kT0 + 30 * kMin));
  // The next hour starts empty.
  EXPECT_FALSE(back.TouchedThisHour(300 * 0x9e3779b97f4a7c15ULL, kT0 + kHour));
  EXPECT_TRUE(back.TouchedThisHour(300 * 0x9e3779b97f4a7c15ULL, kT0 + kHour + kMin));
  // Bounded: past kMaxTouched the set stops recording (a touch then always reaches the store).
  KeyState full;
  for (uint64_t h = 1; h <= KeyState::kMaxTouched + 10; ++h) full.TouchedThisHour(h, kT0);
  EXPECT_EQ(full.touched_count, KeyState::kMaxTouched);
  EXPECT_FALSE(full.TouchedThisHour(KeyState::kMaxTouched + 5, kT0));
}

}  // namespace
}  // namespace vw::detect
