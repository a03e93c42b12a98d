// Benign enterprise routines (generator/README.md): the operations real tenants run every
// week that look like attacks to a detector without a per-entity baseline. They recur from the
// first day of the run, so they are in the history and again in the evaluation days:
//  - a CI/CD service principal deletes and purges the ephemeral secrets it created, nightly (keys
//    weekly), and creates, uses and deletes an ephemeral test vault every few days;
//  - a backup application backs up every secret, key and certificate of some vaults, nightly;
//  - JIT access automation adds an operator's access policy and removes it minutes later, several
//    times a week;
//  - an admin's break-glass: adds itself to a vault's policy, lists and reads a few secrets;
//  - a reporting app's Friday batch; throttling bursts (HTTP 429, then retries); applications
//    whose Azure outbound address changes within Microsoft's ranges.
// Instances scale with the tenant (one per 25 vaults, at least one).
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "base/status.h"
#include "generator/model.h"
#include "generator/rng.h"
#include "generator/tenant.h"

namespace vw::gen {

struct RoutinePlan {
  int64_t start_us = 0;  // the run's first midnight
  int days = 16;
};

// Adds the routines' identities and vaults to `tenant`, sets Friday batches and address rotation
// on some applications, and appends the routines' records (benign, unsorted) to `events`. The
// existing identities given a routine are added to `reserved` (attack scenarios prefer others,
// so that an attack is not by chance the very routine the baselines learned).
Status BuildEnterpriseRoutines(const RoutinePlan& plan, const IntelLists& intel, Tenant* tenant,
                               Rng* rng, uint32_t* seq, std::vector<Ev>* events,
                               std::set<uint32_t>* reserved);

}  // namespace vw::gen
