// Building the benign tenant of docs/scenarios.md section 1 from a preset and a seed.
#pragma once

#include <string>

#include "base/result.h"
#include "generator/ip_lists.h"
#include "generator/model.h"
#include "generator/rng.h"

namespace vw::gen {

struct TenantSpec {
  int subscriptions = 2;
  int resource_groups_per_subscription = 3;
  int vaults = 20;
  int identities = 60;
};

// "small" (20 vaults, 60 identities), "medium" (200, 1,000), "large" (2,000, 20,000).
Result<TenantSpec> PresetSpec(const std::string& name);

struct IntelLists {
  IpList tor, suspicious, microsoft;
};
// Loads tor-exit-nodes.txt, suspicious-ips.txt and microsoft-ranges.txt from `dir`.
Result<IntelLists> LoadIntelLists(const std::string& dir);

// Builds vaults, identities and their addresses, rates and working sets. `events_per_day` is the
// mean weekday record count the benign traffic should reach (before 401 challenges).
Result<Tenant> BuildTenant(const TenantSpec& spec, int64_t events_per_day, const IntelLists& intel,
                           Rng& rng);

// Relative activity of `role` in hour `hour` (0-23) of a day of week `dow` (0 = Monday),
// normalised so that a weekday's 24 values sum to 1.
double HourWeight(Role role, int dow, int hour);

// A user's data-plane `identity` value through application `app_id`: short JWT claims (oid, upn,
// appid, ipaddr, ...), as the real samples show.
std::string UserJwtClaim(const Identity& user, const std::string& app_id, const std::string& ipaddr,
                         const std::string& tenant_id, bool mfa);

// A lower-case GUID from the generator's PRNG.
std::string NewGuid(Rng& rng);

}  // namespace vw::gen
