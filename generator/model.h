// The generator's in-memory model: a synthetic Azure tenant (vaults, identities, addresses), the
// compact event struct every generated record starts as, and the labels of attack scenarios.
//
// Ownership: a Generator owns one Tenant; scenario builders may append identities (attackers,
// never-seen applications) and addresses before generation starts, never during it.
// Thread-safety: plain data, no synchronisation; built and used by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/types.h"

namespace vw::gen {

inline constexpr uint32_t kNone = 0xffffffffu;

// The operations the generator emits (a subset of Key Vault's logged operations).
enum class Op : uint8_t {
  kAuthentication,
  kVaultGet,
  kVaultPut,
  kVaultPatch,
  kSecretGet,
  kSecretSet,
  kSecretList,
  kSecretListVersions,
  kSecretBackup,
  kSecretDelete,
  kSecretPurge,
  kKeyGet,
  kKeyList,
  kKeyListVersions,
  kKeyBackup,
  kKeyWrap,
  kKeyUnwrap,
  kKeySign,
  kKeyVerify,
  kKeyEncrypt,
  kKeyDecrypt,
  kCertificateGet,
  kCertificateList,
  // Enterprise routines (generator/enterprise.cc).
  kKeyCreate,
  kKeyDelete,
  kKeyPurge,
  kCertificateBackup,
  kVaultDelete,
  kCount,
};

const char* OpName(Op op);

enum class Role : uint8_t {
  kAppReader,   // service principal reading a fixed working set of secrets
  kConfigSync,  // service principal that lists and reads every secret of its vault periodically
  kCryptoApp,   // service principal doing key operations (wrap/unwrap, sign/verify, ...)
  kPipeline,    // CI/CD service principal, weekday working hours, short bursts
  kDeveloper,   // user through an application (portal, CLI, PowerShell)
  kAdmin,       // user managing vaults through Azure Resource Manager
  kOnboardApp,  // benign change: an application that appears mid-run on a new vault
  kExternal,    // created by a scenario (attacker, foreign app): no benign traffic
  kRoutine,     // automation whose records are all scheduled (backup, JIT access): enterprise.cc
};

struct Vault {
  std::string name;               // lower-case, e.g. "kv-payments-prod-03"
  std::string resource_id;        // as Azure writes it (upper-case)
  std::string resource_id_lower;  // as labels and routing keys carry it
  std::string subscription;       // lower-case GUID
  std::string resource_group;     // mixed case, e.g. "rg-payments-prod"
  std::string host;               // "https://<name>.vault.azure.net/"
  std::string mgmt_uri;           // ARM URI of the vault, with api-version
  uint32_t subscription_index = 0;
  std::vector<std::string> secrets, keys, certs;
  bool rbac = false;    // isRbacAuthorized instead of isAccessPolicyMatch
  int created_day = 0;  // > 0: created during the run (benign onboarding)
  // Expected benign load per weekday, from the identities' rates (for sizing scenarios).
  double daily_ops = 0, daily_reads = 0;
};

struct Identity {
  Role role = Role::kAppReader;
  std::string oid, app_id, upn;  // lower-case; app_id empty for users acting directly
  // Precomputed `"identity":{...}` values, one per way this identity signs in (apps used, or the
  // management-plane shape); client_infos[i] goes with claims[i].
  std::vector<std::string> claims, client_infos;
  uint8_t mgmt_claim = 0;     // index of the claim used for management-plane operations
  uint8_t data_claims = 1;    // claims [0, data_claims) are used for data-plane operations
  std::vector<uint32_t> ips;  // indices into Tenant::ips; ips[0] is the main one
  std::vector<uint32_t> home_vaults;
  std::vector<std::vector<uint32_t>> working;  // per home vault: secret (or key) indices it reads
  std::vector<Op> crypto_ops;                  // crypto apps: the op mix, first = dominant
  std::vector<uint32_t> scope;                 // admins: the vaults they look after
  uint32_t denied_vault = kNone;  // developers: a vault they try now and then without access
  double daily_actions = 0;       // expected actions per weekday (an action is 1+ records)
  int sync_interval_h = 0, sync_minute = 0;  // config-sync schedule
  int active_from_day = 0;                   // onboarding apps start mid-run
  int64_t active_from_us = 0;
  // Enterprise routines (enterprise.cc): a weekly batch multiplies the Friday rate; an app whose
  // Azure outbound address changes uses ips[(day / ip_rotation_days) % ips.size()].
  double friday_factor = 1.0;
  int ip_rotation_days = 0;
};

struct Tenant {
  std::string tenant_id;
  std::vector<Vault> vaults;
  std::vector<Identity> identities;
  std::vector<std::string> ips;   // every address any record uses
  std::vector<uint32_t> nat_ips;  // the corporate NAT pool (indices into ips)

  uint32_t AddIp(std::string ip) {
    ips.push_back(std::move(ip));
    return static_cast<uint32_t>(ips.size() - 1);
  }
};

// Flags on an Ev.
enum EvFlag : uint8_t {
  kEvAttack = 1,         // part of a labelled scenario
  kEvLate = 2,           // delivered late (after later-timestamped records)
  kEvMissing = 4,        // a 404 for an object that does not exist
  kEvPolicyAdd = 8,      // VaultPatch/VaultPut adding an access policy for identity `aux`
  kEvPolicyRemove = 16,  // VaultPatch removing the access policy of identity `aux`
};

// One record before formatting: 48 bytes, so that hours of traffic sort quickly.
struct Ev {
  int64_t t_us = 0;        // event time
  int64_t deliver_us = 0;  // position in the output (>= t_us)
  uint32_t seq = 0;        // creation order: the deterministic tie-break
  uint32_t ident = 0;      // index into Tenant::identities
  uint32_t vault = 0;
  uint32_t ip = 0;   // index into Tenant::ips
  uint32_t obj = 0;  // secret / key / certificate index in the vault
  uint32_t aux = 0;  // policy target identity; for Authentication, the following Op
  uint16_t gen = 0;  // secret generation (versions change on SecretSet)
  uint16_t http = 200;
  Op op = Op::kSecretGet;
  uint8_t claim = 0;  // index into Identity::claims; kNoClaim for 401 challenges
  uint8_t flags = 0;
};
inline constexpr uint8_t kNoClaim = 0xff;

// One labelled scenario window (docs/contracts.md section 5, docs/scenarios.md section 3).
struct Label {
  std::string scenario;    // "list-get-1"
  std::string alert_type;  // "KV_ListGetAnomaly"
  std::string role;        // "primary" or "incidental"
  std::string vault;       // lower-case resource id, or empty
  std::string caller;      // object id, else app id, else IP; or empty
  std::string ip;          // or empty
  EventTime start, end;
};

}  // namespace vw::gen
