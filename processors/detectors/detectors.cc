// The detection catalogue (DESIGN.md section 6): the operation classes and hashes every family
// uses, the baselines they share (detectors_internal.h), and the factories. The detectors are in
// detectors_vault.cc (by vault) and detectors_caller.cc (by caller).
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

#include "base/hash.h"
#include "base/time_format.h"
#include "processors/detectors/detector.h"
#include "processors/detectors/detectors_internal.h"
#include "processors/ingest/ingest.h"
#include "processors/ingest/normalize.h"
#include "state/distinct_counter.h"
#include "state/first_seen_map.h"
#include "state/sequence_tracker.h"
#include "state/window_counter.h"

namespace vw::detect {

using v1::AccessEvent;

bool IsRead(v1::Operation op) {
  return op == v1::OP_SECRET_GET || op == v1::OP_KEY_GET || op == v1::OP_CERTIFICATE_GET;
}

bool IsList(v1::Operation op) {
  return op == v1::OP_SECRET_LIST || op == v1::OP_KEY_LIST || op == v1::OP_CERTIFICATE_LIST;
}

namespace internal {
bool IsRetrieval(v1::Operation op) {
  switch (op) {
    case v1::OP_SECRET_GET:
    case v1::OP_SECRET_LIST:
    case v1::OP_SECRET_LIST_VERSIONS:
    case v1::OP_KEY_GET:
    case v1::OP_KEY_LIST:
    case v1::OP_KEY_LIST_VERSIONS:
    case v1::OP_CERTIFICATE_GET:
    case v1::OP_CERTIFICATE_LIST:
    case v1::OP_CERTIFICATE_LIST_VERSIONS:
      return true;
    default:
      return false;
  }
}

bool IsKeyUse(v1::Operation op) {
  switch (op) {
    case v1::OP_KEY_WRAP:
    case v1::OP_KEY_UNWRAP:
    case v1::OP_KEY_SIGN:
    case v1::OP_KEY_VERIFY:
    case v1::OP_KEY_ENCRYPT:
    case v1::OP_KEY_DECRYPT:
      return true;
    default:
      return false;
  }
}
}  // namespace internal

bool IsSensitive(v1::Operation op) {
  switch (op) {
    case v1::OP_VAULT_DELETE:
    case v1::OP_VAULT_PURGE:
    case v1::OP_SECRET_DELETE:
    case v1::OP_SECRET_PURGE:
    case v1::OP_SECRET_BACKUP:
    case v1::OP_KEY_DELETE:
    case v1::OP_KEY_PURGE:
    case v1::OP_KEY_BACKUP:
    case v1::OP_CERTIFICATE_DELETE:
    case v1::OP_CERTIFICATE_PURGE:
    case v1::OP_CERTIFICATE_BACKUP:
    case v1::OP_HSM_BACKUP_CREATE:
      return true;
    default:
      return false;
  }
}

bool IsPolicyChange(v1::Operation op) { return op == v1::OP_VAULT_PUT || op == v1::OP_VAULT_PATCH; }

std::string_view OperationView(const AccessEvent& e) {
  if (!e.operation_name().empty()) return e.operation_name();
  return v1::Operation_Name(e.operation());
}

std::string CallerDisplay(const AccessEvent& e) {
  const v1::Caller& c = e.caller();
  if (!c.upn().empty()) return c.upn();
  if (!c.object_id().empty()) return c.object_id();
  if (!c.app_id().empty()) return "app " + c.app_id();
  return c.ip_text().empty() ? std::string("an unidentified caller") : c.ip_text();
}

// EventDigest's fields. Never persisted as such; their combinations (MixHashes) are kept only in
// KeyState::touched, an hour-scoped set that any change of hash merely refills.
uint64_t HashString(std::string_view s) { return HashBytes(s); }

namespace internal {

int64_t PoissonTailThreshold(double lambda, double p) {
  if (!(lambda > 0)) return 1;  // nothing expected: any occurrence has probability 0
  if (lambda > 500) {
    // Normal approximation: z such that the upper tail is p (bisection on erfc).
    double lo = 0, hi = 40;
    for (int i = 0; i < 100; ++i) {
      double mid = (lo + hi) / 2;
      if (0.5 * std::erfc(mid / std::sqrt(2.0)) > p) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return static_cast<int64_t>(std::ceil(lambda + hi * std::sqrt(lambda) + 0.5));
  }
  // P(X >= k) = 1 - sum_{i<k} pmf(i), summed until the tail is at most p.
  double pmf = std::exp(-lambda), cdf = 0;
  for (int64_t k = 0;; ++k) {
    if (1.0 - cdf <= p) return k;
    cdf += pmf;
    pmf *= lambda / static_cast<double>(k + 1);
    if (k > 100000) return k;
  }
}

int RoutineBaseline::DaysBefore(std::string_view key, EventTime now) {
  const EventTime yesterday = now.FloorTo(Duration::Days(1)) - Duration::Days(1);
  int n = 0;
  for (int64_t c : counter_.Buckets(key, yesterday, static_cast<int>(days_))) n += c > 0 ? 1 : 0;
  return n;
}

std::string RoutineWords(std::string_view did, int days, int64_t baseline_days, int64_t min_days) {
  const std::string span = "the last " + std::to_string(baseline_days) + " days";
  if (days == 0) return "never " + std::string(did) + " in " + span;
  return std::string(did) + " on only " + std::to_string(days) + " of " + span +
         " (a routine recurs on at least " + std::to_string(min_days) + ")";
}

bool IsOwnWrite(v1::Operation op) {
  switch (op) {
    case v1::OP_SECRET_SET:
    case v1::OP_SECRET_RESTORE:
    case v1::OP_KEY_CREATE:
    case v1::OP_KEY_IMPORT:
    case v1::OP_KEY_RESTORE:
    case v1::OP_KEY_ROTATE:
    case v1::OP_CERTIFICATE_CREATE:
    case v1::OP_CERTIFICATE_IMPORT:
    case v1::OP_CERTIFICATE_RESTORE:
      return true;
    default:
      return false;
  }
}

std::string OwnWriteKey(std::string_view caller, const AccessEvent& e) {
  char type_buf[16];
  int n = std::snprintf(type_buf, sizeof type_buf, "%d", static_cast<int>(e.object_type()));
  return Cat(
      {caller, e.vault_id(), std::string_view(type_buf, static_cast<size_t>(n)), e.target_name()});
}

}  // namespace internal

std::vector<std::unique_ptr<Detector>> MakeVaultDetectors(const DetectConfig& c,
                                                          state::StateStore* store) {
  std::vector<std::unique_ptr<Detector>> d;
  internal::AddVaultDetectors(c, store, &d);
  return d;
}

std::vector<std::unique_ptr<Detector>> MakeCallerDetectors(const DetectConfig& c,
                                                           state::StateStore* store) {
  std::vector<std::unique_ptr<Detector>> d;
  internal::AddCallerDetectors(c, store, &d);
  return d;
}

}  // namespace vw::detect
