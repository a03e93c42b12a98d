// Pseudonymisation of identities with a keyed hash (HMAC-SHA256): UPNs, AAD object ids and IP
// addresses of an AccessEvent (before state) and, separately, of an Alert (before publishing).
// The same input and key give the same pseudonym, so per-identity state, baselines, alert
// grouping and replays behave as with the clear values; without the key a pseudonym cannot be
// reversed or recomputed. See docs/privacy.md for where each pass belongs.
//
// Pseudonym shapes keep each field parseable by downstream tools:
//   object id -> a UUID-formatted string (first 16 bytes of the HMAC)
//   UPN       -> "u-<24 hex>@pseudonymised.invalid"
//   IP        -> an IPv6 address in the unique-local range fd00::/8 (120 bits of the HMAC), for
//                IPv4 and IPv6 inputs alike (so no collisions in practice, unlike a 32-bit map)
// Domain separation: the field kind is part of the hashed message, so the same string as a UPN
// and as an object id gives unrelated pseudonyms.
//
// IP pseudonymisation hides the address from threat-intel, internal-range and Microsoft-range
// lookups: they must run before it (see docs/privacy.md).
//
// The key is secret: it is never logged, never part of a Status message, and is wiped from
// memory on destruction. Thread-safety: a Pseudonymiser is immutable after creation; its const
// methods may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "vw/v1/access_event.pb.h"
#include "vw/v1/alert.pb.h"

namespace vw::alerts {

struct PseudonymiseFields {
  bool upn = true, object_id = true, ip = true;
};

class Pseudonymiser {
 public:
  static constexpr size_t kMinKeyBytes = 16;
  // The key is the file's bytes (one trailing newline stripped). At least 16 bytes.
  static Result<Pseudonymiser> FromKeyFile(const std::string& path, PseudonymiseFields fields = {});
  // The key is the variable's value. At least 16 bytes.
  static Result<Pseudonymiser> FromEnv(const std::string& variable, PseudonymiseFields fields = {});
  static Result<Pseudonymiser> FromKey(std::string key, PseudonymiseFields fields = {});

  Pseudonymiser(Pseudonymiser&&) noexcept;
  Pseudonymiser& operator=(Pseudonymiser&&) noexcept;
  Pseudonymiser(const Pseudonymiser&) = delete;
  Pseudonymiser& operator=(const Pseudonymiser&) = delete;
  ~Pseudonymiser();

  std::string ObjectId(std::string_view id) const;  // "" stays ""
  std::string Upn(std::string_view upn) const;      // "" stays ""
  // `ip` is 4 or 16 bytes (AccessEvent.caller.ip); returns 16 bytes, or "" for "".
  std::string IpBytes(std::string_view ip) const;
  std::string IpText(std::string_view ip_text) const;  // canonical text of IpBytes of its parse

  // A short public name of the key (16 hex digits of HMAC(key, a fixed label)): tells two keys
  // apart, e.g. in a state directory's privacy marker, and reveals nothing of the key.
  std::string KeyFingerprint() const;

  // Rewrites the event's identities in place: caller object id, UPN, IP (bytes and text), and the
  // object ids in an access-policy change (ids and the "objectId:" prefix of permission lines).
  void Apply(v1::AccessEvent* event) const;
  // Rewrites an alert's identities: account entities (AadUserId, Upn), ip entities, the
  // principal object id of an access-policy flip ("Principal Added And Removed"), and every
  // occurrence of those clear values in the alert's text fields (description, compromised
  // entity, extended properties). Also replaces SystemAlertId by a keyed UUID-shaped hash of it
  // (the engine's id is an unkeyed hash of the clear entity, so it would confirm a guessed
  // identity); deterministic per key, so verdicts name the ids of the pseudonymised output.
  void Apply(v1::Alert* alert) const;

 private:
  Pseudonymiser(std::string key, PseudonymiseFields fields);
  std::string Mac(std::string_view kind, std::string_view value) const;  // 32 bytes
  // SHA-256 contexts with the key's inner and outer pads already absorbed: each HMAC copies them
  // instead of re-keying (OpenSSL 3's one-shot HMAC() fetches the algorithm on every call).
  struct Keyed;
  std::string key_;
  PseudonymiseFields fields_;
  std::unique_ptr<Keyed> keyed_;
};

}  // namespace vw::alerts
