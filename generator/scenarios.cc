#include "generator/scenarios.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

namespace vw::gen {
namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;

bool IsDataPlane(Op op) {
  return op != Op::kVaultGet && op != Op::kVaultPut && op != Op::kVaultPatch;
}

// Shared state of the scenario builders: selection of unused entities, emission with 401
// challenges, labels.
class Ctx {
 public:
  Ctx(const IntelLists& intel, Tenant* t, Rng* rng, uint32_t* seq, std::vector<Ev>* out,
      std::vector<Label>* labels)
      : intel_(intel), t_(*t), rng_(*rng), seq_(*seq), out_(*out), labels_(*labels) {}

  Tenant& t() { return t_; }
  Rng& rng() { return rng_; }
  const IntelLists& intel() const { return intel_; }

  // `mark_vaults`: whether the vaults this scenario touches should be avoided by later ones (not
  // for scenarios that sweep many vaults).
  void Begin(std::string scenario_id, bool mark_vaults = true) {
    mark_vaults_ = mark_vaults;
    scenario_ = std::move(scenario_id);
    first_ = INT64_MAX;
    last_ = INT64_MIN;
    tokens_.clear();
  }

  // One record of the scenario; a data-plane request from an (identity, address) pair that has no
  // token yet in this scenario is preceded by its 401 challenge.
  void Emit(uint32_t ident, uint32_t vault, Op op, uint32_t obj, uint16_t http, int64_t t,
            uint32_t ip, uint8_t claim, uint8_t flags = 0, uint32_t aux = 0) {
    if (mark_vaults_) used_vaults_.insert(vault);
    if (IsDataPlane(op) && tokens_.insert((uint64_t{ident} << 32) | ip).second) {
      Ev a;
      a.t_us = t - 2000 - static_cast<int64_t>(rng_.Below(38000));
      a.seq = seq_++;
      a.ident = ident;
      a.vault = vault;
      a.ip = ip;
      a.obj = obj;
      a.aux = static_cast<uint32_t>(op);
      a.http = 401;
      a.op = Op::kAuthentication;
      a.claim = kNoClaim;
      a.flags = kEvAttack;
      Push(a);
    }
    Ev e;
    e.t_us = t;
    e.seq = seq_++;
    e.ident = ident;
    e.vault = vault;
    e.ip = ip;
    e.obj = obj;
    e.aux = aux;
    e.http = http;
    e.op = op;
    e.claim = claim;
    e.flags = static_cast<uint8_t>(flags | kEvAttack);
    Push(e);
  }

  void AddLabel(const char* alert_type, bool primary, uint32_t vault, uint32_t caller,
                const std::string& ip) {
    Label l;
    l.scenario = scenario_;
    l.alert_type = alert_type;
    l.role = primary ? "primary" : "incidental";
    l.vault = vault == kNone ? "" : t_.vaults[vault].resource_id_lower;
    l.caller = caller == kNone ? "" : t_.identities[caller].oid;
    l.ip = ip;
    l.start = EventTime::FromMicros(first_);
    l.end = EventTime::FromMicros(last_);
    labels_.push_back(std::move(l));
  }

  // An unused identity of `role` with full history that satisfies `ok`, chosen at random; falls
  // back to a used one. kNone if there is none at all.
  template <typename Pred>
  uint32_t PickIdentity(Role role, Pred ok) {
    std::vector<uint32_t> fresh, unreserved, any;
    for (uint32_t i = 0; i < t_.identities.size(); ++i) {
      const Identity& id = t_.identities[i];
      if (id.role != role || id.active_from_day != 0 || !ok(id)) continue;
      any.push_back(i);
      if (reserved_.count(i)) continue;
      unreserved.push_back(i);
      if (!used_ids_.count(i)) fresh.push_back(i);
    }
    const std::vector<uint32_t>& from = !fresh.empty()        ? fresh
                                        : !unreserved.empty() ? unreserved
                                                              : any;
    if (from.empty()) return kNone;
    uint32_t i = from[rng_.Below(from.size())];
    used_ids_.insert(i);
    return i;
  }
  uint32_t PickIdentity(Role role) {
    return PickIdentity(role, [](const Identity&) { return true; });
  }

  // An existing vault (created before the run) satisfying `ok`, preferring ones no scenario used.
  template <typename Pred>
  uint32_t PickVault(Pred ok) {
    std::vector<uint32_t> fresh, any;
    for (uint32_t v = 0; v < t_.vaults.size(); ++v) {
      if (t_.vaults[v].created_day != 0 || !ok(v)) continue;
      any.push_back(v);
      if (!used_vaults_.count(v)) fresh.push_back(v);
    }
    const std::vector<uint32_t>& from = fresh.empty() ? any : fresh;
    if (from.empty()) return kNone;
    uint32_t v = from[rng_.Below(from.size())];
    used_vaults_.insert(v);
    return v;
  }
  void UseVault(uint32_t v) { used_vaults_.insert(v); }
  void Reserve(const std::set<uint32_t>& ids) { reserved_ = ids; }

  // Every vault `ident` touches in benign traffic.
  std::set<uint32_t> Touched(uint32_t ident) const {
    const Identity& id = t_.identities[ident];
    std::set<uint32_t> s(id.home_vaults.begin(), id.home_vaults.end());
    s.insert(id.scope.begin(), id.scope.end());
    if (id.denied_vault != kNone) s.insert(id.denied_vault);
    return s;
  }

  // An identity that exists only for an attack (foreign application / new principal).
  uint32_t NewExternalSp(uint32_t ip, bool foreign_tenant) {
    Identity id;
    id.role = Role::kExternal;
    id.oid = NewGuid(rng_);
    id.app_id = NewGuid(rng_);
    std::string tid = foreign_tenant ? NewGuid(rng_) : t_.tenant_id;
    id.claims.push_back("{\"claim\":{\"oid\":\"" + id.oid + "\",\"appid\":\"" + id.app_id +
                        "\",\"appidacr\":\"1\",\"idtyp\":\"app\",\"tid\":\"" + tid + "\"}}");
    id.client_infos.push_back("python-requests/2.31.0");
    id.ips.push_back(ip);
    id.active_from_day = 1 << 30;
    t_.identities.push_back(std::move(id));
    return static_cast<uint32_t>(t_.identities.size() - 1);
  }

  // An address from `list`, preferring one no earlier scenario used.
  std::string ListedIp(const IpList& list) {
    std::string ip = list.Sample(rng_);
    for (int i = 0; i < 20 && used_ips_.count(ip); ++i) ip = list.Sample(rng_);
    used_ips_.insert(ip);
    return ip;
  }

  uint32_t ExternalIp() {
    return t_.AddIp("198.18." + std::to_string(rng_.Below(256)) + "." +
                    std::to_string(1 + rng_.Below(254)));
  }

 private:
  void Push(const Ev& e) {
    first_ = std::min(first_, e.t_us);
    last_ = std::max(last_, e.t_us);
    out_.push_back(e);
  }

  const IntelLists& intel_;
  Tenant& t_;
  Rng& rng_;
  uint32_t& seq_;
  std::vector<Ev>& out_;
  std::vector<Label>& labels_;
  std::string scenario_;
  int64_t first_ = INT64_MAX, last_ = INT64_MIN;
  bool mark_vaults_ = true;
  std::set<uint64_t> tokens_;
  std::set<std::string> used_ips_;
  std::set<uint32_t> used_ids_, used_vaults_, reserved_;
};

Status Missing(const char* what, const char* scenario) {
  return Status::FailedPrecondition(std::string("scenario ") + scenario + ": the tenant has no " +
                                    what);
}

// A working-set secret of `id` on its i-th home vault, cycling with `k`.
uint32_t WorkingSecret(const Identity& id, size_t home, size_t k) {
  const std::vector<uint32_t>& w = id.working[home];
  return w[k % w.size()];
}

// `n` distinct random secret indices of vault `v`, not in `exclude`.
std::vector<uint32_t> DistinctSecrets(Rng& rng, const Vault& v, size_t n,
                                      const std::set<uint32_t>& exclude = {}) {
  std::vector<uint32_t> all;
  for (uint32_t i = 0; i < v.secrets.size(); ++i) {
    if (!exclude.count(i)) all.push_back(i);
  }
  n = std::min(n, all.size());
  for (size_t i = 0; i < n; ++i) std::swap(all[i], all[i + rng.Below(all.size() - i)]);
  all.resize(n);
  return all;
}

// Each builder: (ctx, scenario id with instance suffix, start time, plan).
using Builder = Status (*)(Ctx&, const std::string&, int64_t, const ScenarioPlan&);

Status TiAccess(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t d = c.PickIdentity(Role::kDeveloper);
  if (d == kNone) return Missing("developer", "ti-access");
  const Identity& dev = c.t().identities[d];
  uint32_t v = dev.home_vaults[0];
  std::string ip_text = c.ListedIp(c.intel().suspicious);
  uint32_t ip = c.t().AddIp(ip_text);
  c.Begin(sid);
  int n = static_cast<int>(c.rng().Range(5, 15));
  int64_t span = c.rng().Range(2, 10) * kMin, t = t0;
  for (int i = 0; i < n; ++i) {
    c.Emit(d, v, Op::kSecretGet, WorkingSecret(dev, 0, static_cast<size_t>(i)), 200, t, ip, 0);
    t += span / n + static_cast<int64_t>(c.rng().Below(5 * kSec));
  }
  c.AddLabel("KV_SuspiciousIPAccess", true, v, d, ip_text);
  return Status::OK();
}

Status TiDenied(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  std::string ip_text = c.ListedIp(c.intel().suspicious);
  uint32_t ip = c.t().AddIp(ip_text);
  uint32_t x = c.NewExternalSp(ip, true);
  uint32_t v = c.PickVault([](uint32_t) { return true; });
  c.Begin(sid);
  const Vault& vault = c.t().vaults[v];
  int n = static_cast<int>(c.rng().Range(10, 30));
  int64_t span = c.rng().Range(5, 15) * kMin, t = t0;
  for (int i = 0; i < n; ++i) {
    bool list = i % 4 == 0;
    c.Emit(x, v, list ? Op::kSecretList : Op::kSecretGet,
           static_cast<uint32_t>(c.rng().Below(vault.secrets.size())), 403, t, ip, 0);
    t += span / n + static_cast<int64_t>(c.rng().Below(3 * kSec));
  }
  c.AddLabel("KV_SuspiciousIPAccessDenied", true, v, x, ip_text);
  c.AddLabel("KV_AppAnomaly", false, v, x, "");
  return Status::OK();
}

Status Tor(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t d = c.PickIdentity(Role::kDeveloper);
  if (d == kNone) return Missing("developer", "tor");
  const Identity& dev = c.t().identities[d];
  uint32_t v = dev.home_vaults[0];
  std::string ip_text = c.ListedIp(c.intel().tor);
  uint32_t ip = c.t().AddIp(ip_text);
  c.Begin(sid);
  int64_t t = t0;
  c.Emit(d, v, Op::kVaultGet, 0, 200, t, ip, dev.mgmt_claim);
  int n = static_cast<int>(c.rng().Range(3, 10));
  for (int i = 0; i < n; ++i) {
    t += 5 * kMin / (n + 1) + static_cast<int64_t>(c.rng().Below(3 * kSec));
    c.Emit(d, v, Op::kSecretGet, WorkingSecret(dev, 0, static_cast<size_t>(i)), 200, t, ip, 0);
  }
  c.AddLabel("KV_TORAccess", true, v, d, ip_text);
  return Status::OK();
}

Status UnusualIp(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t r = c.PickIdentity(Role::kAppReader);
  if (r == kNone) return Missing("app-reader", "unusual-ip");
  const Identity& app = c.t().identities[r];
  uint32_t v = app.home_vaults[0];
  uint32_t ip = c.ExternalIp();
  std::string ip_text = c.t().ips[ip];
  c.Begin(sid);
  int n = static_cast<int>(c.rng().Range(5, 20));
  int64_t span = c.rng().Range(5, 30) * kMin, t = t0;
  for (int i = 0; i < n; ++i) {
    c.Emit(r, v, Op::kSecretGet, WorkingSecret(app, 0, static_cast<size_t>(i)), 200, t, ip, 0);
    t += span / n + static_cast<int64_t>(c.rng().Below(2 * kSec));
  }
  c.AddLabel("KV_UnusualAccessSuspiciousIP", true, v, r, ip_text);
  return Status::OK();
}

Status UserAnomaly(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t d = c.PickIdentity(Role::kDeveloper);
  if (d == kNone) return Missing("developer", "user-anomaly");
  const Identity& dev = c.t().identities[d];
  std::set<uint32_t> touched = c.Touched(d);
  uint32_t sub = c.t().vaults[dev.home_vaults[0]].subscription_index;
  uint32_t v = c.PickVault(
      [&](uint32_t x) { return !touched.count(x) && c.t().vaults[x].subscription_index == sub; });
  if (v == kNone) v = c.PickVault([&](uint32_t x) { return !touched.count(x); });
  if (v == kNone) return Missing("vault the developer never touched", "user-anomaly");
  uint32_t ip = dev.ips[0];
  c.Begin(sid);
  int64_t t = t0;
  c.Emit(d, v, Op::kVaultGet, 0, 200, t, ip, dev.mgmt_claim);
  t += c.rng().Range(20, 90) * kSec;
  c.Emit(d, v, Op::kSecretList, 0, 200, t, ip, 0);
  for (uint32_t s :
       DistinctSecrets(c.rng(), c.t().vaults[v], static_cast<size_t>(c.rng().Range(3, 6)))) {
    t += c.rng().Range(60, 180) * kSec;
    c.Emit(d, v, Op::kSecretGet, s, 200, t, ip, 0);
  }
  c.AddLabel("KV_UserAnomaly", true, v, d, "");
  c.AddLabel("KV_RareSecretAccess", false, v, d, "");
  return Status::OK();
}

Status AppAnomaly(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t r = c.PickIdentity(Role::kAppReader);
  if (r == kNone) return Missing("app-reader", "app-anomaly");
  const Identity& app = c.t().identities[r];
  std::set<uint32_t> touched = c.Touched(r);
  const std::string& rg = c.t().vaults[app.home_vaults[0]].resource_group;
  uint32_t v = c.PickVault(
      [&](uint32_t x) { return !touched.count(x) && c.t().vaults[x].resource_group != rg; });
  if (v == kNone) v = c.PickVault([&](uint32_t x) { return !touched.count(x); });
  if (v == kNone) return Missing("vault the app never touched", "app-anomaly");
  uint32_t ip = app.ips[0];
  c.Begin(sid);
  int64_t t = t0, span = c.rng().Range(5, 15) * kMin;
  auto secrets =
      DistinctSecrets(c.rng(), c.t().vaults[v], static_cast<size_t>(c.rng().Range(5, 10)));
  for (uint32_t s : secrets) {
    c.Emit(r, v, Op::kSecretGet, s, 200, t, ip, 0);
    t +=
        span / static_cast<int64_t>(secrets.size()) + static_cast<int64_t>(c.rng().Below(2 * kSec));
  }
  c.AddLabel("KV_AppAnomaly", true, v, r, "");
  c.AddLabel("KV_RareSecretAccess", false, v, r, "");
  return Status::OK();
}

Status UserAppAnomaly(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t d = c.PickIdentity(Role::kDeveloper);
  if (d == kNone) return Missing("developer", "userapp-anomaly");
  Identity& dev = c.t().identities[d];
  uint32_t v = dev.home_vaults[0];
  uint32_t ip = dev.ips[0];
  // An application this user never used: e.g. an attacker-registered multi-tenant app.
  std::string app = NewGuid(c.rng());
  dev.claims.push_back(UserJwtClaim(dev, app, c.t().ips[ip], c.t().tenant_id, true));
  dev.client_infos.push_back("python-requests/2.31.0");
  uint8_t claim = static_cast<uint8_t>(dev.claims.size() - 1);
  c.Begin(sid);
  int n = static_cast<int>(c.rng().Range(3, 8));
  int64_t t = t0, span = c.rng().Range(5, 10) * kMin;
  for (int i = 0; i < n; ++i) {
    c.Emit(d, v, Op::kSecretGet, WorkingSecret(dev, 0, static_cast<size_t>(i)), 200, t, ip, claim);
    t += span / n + static_cast<int64_t>(c.rng().Below(3 * kSec));
  }
  c.AddLabel("KV_UserAppAnomaly", true, v, d, "");
  return Status::OK();
}

Status UserDenied(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t d = c.PickIdentity(Role::kDeveloper);
  if (d == kNone) return Missing("developer", "user-denied");
  const Identity& dev = c.t().identities[d];
  std::set<uint32_t> touched = c.Touched(d);
  uint32_t v = c.PickVault([&](uint32_t x) { return !touched.count(x); });
  if (v == kNone) return Missing("vault the developer never touched", "user-denied");
  uint32_t ip = dev.ips[0];
  c.Begin(sid);
  int n = static_cast<int>(c.rng().Range(5, 15));
  int64_t t = t0;
  for (int i = 0; i < n; ++i) {
    bool list = i % 3 == 0;
    c.Emit(d, v, list ? Op::kSecretList : Op::kSecretGet,
           static_cast<uint32_t>(c.rng().Below(c.t().vaults[v].secrets.size())), 403, t, ip, 0);
    t += 10 * kMin / n + static_cast<int64_t>(c.rng().Below(5 * kSec));
  }
  c.AddLabel("KV_UserAccessDeniedAnomaly", true, v, d, "");
  c.AddLabel("KV_UserAnomaly", false, v, d, "");
  return Status::OK();
}

Status AccountVolume(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t a = c.PickIdentity(Role::kAdmin);
  if (a == kNone) return Missing("admin", "account-volume");
  const Identity& adm = c.t().identities[a];
  size_t want = std::min<size_t>(static_cast<size_t>(c.rng().Range(15, 40)), c.t().vaults.size());
  std::vector<uint32_t> vaults(adm.scope.begin(), adm.scope.end());
  std::vector<uint32_t> others;
  for (uint32_t v = 0; v < c.t().vaults.size(); ++v) {
    if (c.t().vaults[v].created_day == 0 &&
        std::find(vaults.begin(), vaults.end(), v) == vaults.end()) {
      others.push_back(v);
    }
  }
  for (size_t i = 0; i < others.size() && vaults.size() < want; ++i) {
    std::swap(others[i], others[i + c.rng().Below(others.size() - i)]);
    vaults.push_back(others[i]);
  }
  uint32_t ip = adm.ips[0];
  c.Begin(sid, false);
  int64_t step = kHour / static_cast<int64_t>(vaults.size()), t = t0;
  for (uint32_t v : vaults) {
    c.Emit(a, v, Op::kVaultGet, 0, 200, t, ip, adm.mgmt_claim);
    c.Emit(a, v, Op::kSecretList, 0, 200, t + c.rng().Range(10, 40) * kSec, ip, 0);
    c.Emit(a, v, Op::kKeyList, 0, 200, t + c.rng().Range(45, 80) * kSec, ip, 0);
    t += step;
  }
  c.AddLabel("KV_AccountVolumeAnomaly", true, kNone, a, "");
  c.AddLabel("KV_UserAnomaly", false, kNone, a, "");
  c.AddLabel("KV_OperationPatternAnomaly", false, kNone, a, "");
  return Status::OK();
}

Status DeniedVolume(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t r = c.PickIdentity(Role::kAppReader);
  if (r == kNone) return Missing("app-reader", "denied-volume");
  const Identity& app = c.t().identities[r];
  std::set<uint32_t> touched = c.Touched(r);
  std::vector<uint32_t> vaults;
  for (uint32_t v = 0; v < c.t().vaults.size(); ++v) {
    if (c.t().vaults[v].created_day == 0 && !touched.count(v)) vaults.push_back(v);
  }
  size_t want = std::min<size_t>(static_cast<size_t>(c.rng().Range(10, 30)), vaults.size());
  for (size_t i = 0; i < want; ++i)
    std::swap(vaults[i], vaults[i + c.rng().Below(vaults.size() - i)]);
  vaults.resize(want);
  if (vaults.size() < 5) return Missing("5 vaults the app never touched", "denied-volume");
  uint32_t ip = app.ips[0];
  c.Begin(sid, false);
  int64_t step = kHour / static_cast<int64_t>(vaults.size()), t = t0;
  for (uint32_t v : vaults) {
    c.Emit(r, v, Op::kSecretList, 0, 403, t, ip, 0);
    if (c.rng().Chance(0.3)) {
      c.Emit(r, v, Op::kSecretGet,
             static_cast<uint32_t>(c.rng().Below(c.t().vaults[v].secrets.size())), 403,
             t + c.rng().Range(1, 20) * kSec, ip, 0);
    }
    t += step;
  }
  c.AddLabel("KV_AccountVolumeAccessDeniedAnomaly", true, kNone, r, "");
  c.AddLabel("KV_AppAnomaly", false, kNone, r, "");
  c.AddLabel("KV_OperationPatternAnomaly", false, kNone, r, "");
  return Status::OK();
}

// Odd instances burst a quiet vault (the one closest to 6 operations an hour): 20 times its
// hourly mean, which a fixed floor of hundreds an hour would miss. Even instances burst a busy
// crypto vault.
Status OpVolume(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  const bool quiet = (std::atoi(sid.c_str() + sid.rfind('-') + 1) % 2) == 1;
  uint32_t x = kNone;
  if (quiet) {
    const Tenant& t = c.t();
    double best = 1e18;
    std::vector<uint32_t> cands;
    for (uint32_t i = 0; i < t.identities.size(); ++i) {
      const Identity& id = t.identities[i];
      if ((id.role != Role::kAppReader && id.role != Role::kCryptoApp) || id.active_from_day != 0)
        continue;
      double hourly = t.vaults[id.home_vaults[0]].daily_ops / 24.0;
      if (hourly < 1) continue;
      double d = std::fabs(std::log(hourly / 6.0));
      if (d < best - 1e-9) {
        best = d;
        cands.assign(1, i);
      }
    }
    if (!cands.empty()) x = cands[0];
  }
  if (x == kNone) {
    x = c.PickIdentity(Role::kCryptoApp,
                       [](const Identity& id) { return id.crypto_ops[0] == Op::kKeyDecrypt; });
  }
  if (x == kNone) x = c.PickIdentity(Role::kCryptoApp);
  if (x == kNone) return Missing("crypto app", "op-volume");
  const Identity& app = c.t().identities[x];
  uint32_t v = app.home_vaults[0];
  c.UseVault(v);
  const double hourly = c.t().vaults[v].daily_ops / 24.0;
  int64_t n = quiet ? std::max<int64_t>(60, static_cast<int64_t>(20.0 * hourly))
                    : std::max<int64_t>(1500, static_cast<int64_t>(20.0 * hourly));
  const Op op = app.role == Role::kCryptoApp ? app.crypto_ops[0] : Op::kSecretGet;
  uint32_t ip = app.ips[0];
  c.Begin(sid);
  for (int64_t i = 0; i < n; ++i) {
    int64_t t =
        t0 + i * kHour / n + static_cast<int64_t>(c.rng().Below(static_cast<uint64_t>(kHour / n)));
    c.Emit(x, v, op, app.working[0][static_cast<size_t>(i) % app.working[0].size()], 200, t, ip, 0);
  }
  // The alert is about the vault: its account is whoever sent the record that crossed the
  // threshold, on a quiet vault now and then another caller than the burst's.
  c.AddLabel("KV_OperationVolumeAnomaly", true, v, kNone, "");
  c.AddLabel("KV_AccessTimeSeriesAnomaly", false, v, kNone, "");
  c.AddLabel("KV_MassSecretRetrieval", false, v, x, "");
  return Status::OK();
}

Status OpPattern(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t x = c.PickIdentity(Role::kCryptoApp);
  if (x == kNone) return Missing("crypto app", "op-pattern");
  const Identity& app = c.t().identities[x];
  uint32_t v = app.home_vaults[0];
  std::vector<Op> ops = {Op::kSecretList, Op::kKeyList, Op::kCertificateList, Op::kKeyListVersions,
                         Op::kSecretListVersions};
  for (size_t i = 0; i < ops.size(); ++i) std::swap(ops[i], ops[i + c.rng().Below(ops.size() - i)]);
  ops.resize(static_cast<size_t>(c.rng().Range(3, 5)));
  if (c.t().vaults[v].certs.empty())
    std::replace(ops.begin(), ops.end(), Op::kCertificateList, Op::kSecretList);
  int n = static_cast<int>(c.rng().Range(5, 10));
  uint32_t ip = app.ips[0];
  c.Begin(sid);
  int64_t t = t0;
  for (int i = 0; i < n; ++i) {
    Op op = ops[static_cast<size_t>(i) % ops.size()];
    uint32_t obj = op == Op::kKeyListVersions
                       ? app.working[0][0]
                       : static_cast<uint32_t>(c.rng().Below(c.t().vaults[v].secrets.size()));
    c.Emit(x, v, op, obj, 200, t, ip, 0);
    t += 10 * kMin / n + static_cast<int64_t>(c.rng().Below(5 * kSec));
  }
  c.AddLabel("KV_OperationPatternAnomaly", true, v, x, "");
  return Status::OK();
}

Status ListGet(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  const Tenant& t = c.t();
  uint32_t r = c.PickIdentity(Role::kAppReader, [&](const Identity& id) {
    return t.vaults[id.home_vaults[0]].secrets.size() >= 60;
  });
  if (r == kNone) {
    r = c.PickIdentity(Role::kAppReader, [&](const Identity& id) {
      return t.vaults[id.home_vaults[0]].secrets.size() >= 40;
    });
  }
  if (r == kNone) return Missing("app-reader on a vault with >= 40 secrets", "list-get");
  const Identity& app = t.identities[r];
  uint32_t v = app.home_vaults[0];
  c.UseVault(v);
  const Vault& vault = t.vaults[v];
  size_t n = static_cast<size_t>(
      c.rng().Range(40, static_cast<int64_t>(std::min<size_t>(200, vault.secrets.size()))));
  uint32_t ip = app.ips[0];
  c.Begin(sid);
  int64_t tt = t0;
  c.Emit(r, v, Op::kSecretList, 0, 200, tt, ip, 0);
  for (uint32_t s : DistinctSecrets(c.rng(), vault, n)) {
    tt += 2 * kSec + static_cast<int64_t>(c.rng().Below(2 * kSec));  // ~20 a minute
    c.Emit(r, v, Op::kSecretGet, s, 200, tt, ip, 0);
  }
  c.AddLabel("KV_ListGetAnomaly", true, v, r, "");
  for (const char* type : {"KV_MassSecretRetrieval", "KV_RareSecretAccess", "KV_ExcessiveRetrieval",
                           "KV_OperationPatternAnomaly"}) {
    c.AddLabel(type, false, v, r, "");
  }
  c.AddLabel("KV_OperationVolumeAnomaly", false, v, kNone, "");
  c.AddLabel("KV_AccessTimeSeriesAnomaly", false, v, kNone, "");
  return Status::OK();
}

Status PutGet(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t a = c.PickIdentity(Role::kAdmin);
  if (a == kNone) return Missing("admin", "put-get");
  const Identity& adm = c.t().identities[a];
  uint32_t v = adm.scope[c.rng().Below(adm.scope.size())];
  c.UseVault(v);
  uint32_t ip = adm.ips[0];
  c.Begin(sid);
  c.Emit(a, v, Op::kVaultPatch, 0, 200, t0, ip, adm.mgmt_claim, kEvPolicyAdd, a);
  int64_t t = t0 + c.rng().Range(5, 15) * kMin;
  for (uint32_t s :
       DistinctSecrets(c.rng(), c.t().vaults[v], static_cast<size_t>(c.rng().Range(5, 15)))) {
    c.Emit(a, v, Op::kSecretGet, s, 200, t, ip, 0);
    t += c.rng().Range(20, 60) * kSec;
  }
  c.AddLabel("KV_PutGetAnomaly", true, v, a, "");
  c.AddLabel("KV_RareSecretAccess", false, v, a, "");
  c.AddLabel("KV_OperationPatternAnomaly", false, v, a, "");
  return Status::OK();
}

Status MassRetrieval(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t d = c.PickIdentity(Role::kDeveloper);
  if (d == kNone) return Missing("developer", "mass-retrieval");
  const Identity& dev = c.t().identities[d];
  uint32_t v = dev.home_vaults[0];
  c.UseVault(v);
  double norm = dev.daily_actions * 2.2;  // sessions x ~3 ops x 72% gets
  int64_t n = std::max<int64_t>(c.rng().Range(200, 400), static_cast<int64_t>(8 * norm));
  int64_t span = c.rng().Range(3, 6) * kHour;
  uint32_t ip = dev.ips[0];
  c.Begin(sid);
  for (int64_t i = 0; i < n; ++i) {
    int64_t t = t0 + i * span / n +
                static_cast<int64_t>(c.rng().Below(static_cast<uint64_t>(span / n / 2 + 1)));
    c.Emit(d, v, Op::kSecretGet, WorkingSecret(dev, 0, static_cast<size_t>(i)), 200, t, ip, 0);
  }
  c.AddLabel("KV_MassSecretRetrieval", true, v, d, "");
  c.AddLabel("KV_AccessTimeSeriesAnomaly", false, v, kNone, "");
  c.AddLabel("KV_OperationVolumeAnomaly", false, v, kNone, "");
  return Status::OK();
}

Status SensitiveOp(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t a = c.PickIdentity(Role::kAdmin);
  if (a == kNone) return Missing("admin", "sensitive-op");
  const Identity& adm = c.t().identities[a];
  uint32_t v = adm.scope[c.rng().Below(adm.scope.size())];
  c.UseVault(v);
  auto s = DistinctSecrets(c.rng(), c.t().vaults[v], 4);
  uint32_t ip = adm.ips[0];
  c.Begin(sid);
  int64_t t = t0, step = 100 * kSec;
  c.Emit(a, v, Op::kSecretBackup, s[0], 200, t, ip, 0);
  c.Emit(a, v, Op::kSecretBackup, s[1], 200, t += step, ip, 0);
  c.Emit(a, v, Op::kKeyBackup, 0, 200, t += step, ip, 0);
  c.Emit(a, v, Op::kSecretDelete, s[2], 200, t += step, ip, 0);
  c.Emit(a, v, Op::kSecretDelete, s[3], 200, t += step, ip, 0);
  c.Emit(a, v, Op::kSecretPurge, s[2], 200, t += step, ip, 0);
  c.AddLabel("KV_SensitiveOperation", true, v, a, "");
  c.AddLabel("KV_OperationPatternAnomaly", false, v, a, "");
  return Status::OK();
}

Status PolicyFlip(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t a = c.PickIdentity(Role::kAdmin);
  if (a == kNone) return Missing("admin", "policy-flip");
  const Identity& adm = c.t().identities[a];
  uint32_t v = adm.scope[c.rng().Below(adm.scope.size())];
  c.UseVault(v);
  uint32_t xip = c.ExternalIp();
  uint32_t x = c.NewExternalSp(xip, false);
  uint32_t ip = c.t().identities[a].ips[0];
  int64_t flip = c.rng().Range(2, 8) * kMin;
  c.Begin(sid);
  c.Emit(a, v, Op::kVaultPatch, 0, 200, t0, ip, c.t().identities[a].mgmt_claim, kEvPolicyAdd, x);
  auto secrets =
      DistinctSecrets(c.rng(), c.t().vaults[v], static_cast<size_t>(c.rng().Range(3, 10)));
  int64_t t = t0 + 40 * kSec, step = (flip - 60 * kSec) / static_cast<int64_t>(secrets.size());
  for (uint32_t s : secrets) {
    c.Emit(x, v, Op::kSecretGet, s, 200, t, xip, 0);
    t += step;
  }
  c.Emit(a, v, Op::kVaultPatch, 0, 200, t0 + flip, ip, c.t().identities[a].mgmt_claim,
         kEvPolicyRemove, x);
  c.AddLabel("KV_AccessPolicyFlip", true, v, a, "");
  c.AddLabel("KV_AppAnomaly", false, v, x, "");
  c.AddLabel("KV_RareSecretAccess", false, v, x, "");
  return Status::OK();
}

Status TimeSeries(Ctx& c, const std::string& sid, int64_t, const ScenarioPlan& plan) {
  Tenant& t = c.t();
  // The busiest vault (by reads) that has app-readers; the readers multiply their reads by 5.
  std::vector<std::vector<uint32_t>> readers(t.vaults.size());
  for (uint32_t i = 0; i < t.identities.size(); ++i) {
    const Identity& id = t.identities[i];
    if (id.role != Role::kAppReader || id.active_from_day != 0) continue;
    for (uint32_t v : id.home_vaults) readers[v].push_back(i);
  }
  uint32_t v = c.PickVault(
      [&](uint32_t x) { return !readers[x].empty() && t.vaults[x].daily_reads >= 200; });
  if (v == kNone) v = c.PickVault([&](uint32_t x) { return !readers[x].empty(); });
  if (v == kNone) return Missing("vault with app-readers", "timeseries");
  std::vector<uint32_t>& rs = readers[v];
  if (rs.size() > 3) rs.resize(3);
  int64_t n = static_cast<int64_t>(4.0 * t.vaults[v].daily_reads);
  n = std::max<int64_t>(n, 2000);
  int64_t day0 = plan.start_us + plan.history_days * kDay;
  c.Begin(sid);
  for (int64_t i = 0; i < n; ++i) {
    uint32_t r = rs[static_cast<size_t>(i) % rs.size()];
    const Identity& id = t.identities[r];
    size_t home = static_cast<size_t>(std::find(id.home_vaults.begin(), id.home_vaults.end(), v) -
                                      id.home_vaults.begin());
    int64_t tt = day0 + static_cast<int64_t>(c.rng().Below(static_cast<uint64_t>(kDay)));
    c.Emit(r, v, Op::kSecretGet, WorkingSecret(id, home, static_cast<size_t>(i)), 200, tt,
           id.ips[0], 0);
  }
  c.AddLabel("KV_AccessTimeSeriesAnomaly", true, v, kNone, "");
  c.AddLabel("KV_OperationVolumeAnomaly", false, v, kNone, "");
  c.AddLabel("KV_MassSecretRetrieval", false, v, kNone, "");
  return Status::OK();
}

Status Excessive(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t d = c.PickIdentity(Role::kDeveloper);
  if (d == kNone) return Missing("developer", "excessive");
  const Identity& dev = c.t().identities[d];
  uint32_t v = dev.home_vaults[0];
  uint32_t ip = dev.ips[0];
  int n = static_cast<int>(c.rng().Range(12, 14));
  c.Begin(sid);
  for (int i = 0; i < n; ++i) {
    Op op = i == 0         ? Op::kSecretList
            : i == 5       ? Op::kKeyList
            : (i % 4 == 3) ? Op::kSecretListVersions
                           : Op::kSecretGet;
    int64_t t = t0 + i * 55 * kSec / n;
    c.Emit(d, v, op, op == Op::kKeyList ? 0 : WorkingSecret(dev, 0, static_cast<size_t>(i)), 200, t,
           ip, 0);
  }
  c.AddLabel("KV_ExcessiveRetrieval", true, v, d, "");
  return Status::OK();
}

Status RareSecret(Ctx& c, const std::string& sid, int64_t t0, const ScenarioPlan&) {
  uint32_t r = c.PickIdentity(Role::kAppReader);
  if (r == kNone) return Missing("app-reader", "rare-secret");
  const Identity& app = c.t().identities[r];
  uint32_t v = app.home_vaults[0];
  std::set<uint32_t> known(app.working[0].begin(), app.working[0].end());
  auto secrets =
      DistinctSecrets(c.rng(), c.t().vaults[v], static_cast<size_t>(c.rng().Range(1, 3)), known);
  if (secrets.empty()) return Missing("secret the app never read", "rare-secret");
  uint32_t ip = app.ips[0];
  c.Begin(sid);
  int64_t t = t0;
  for (uint32_t s : secrets) {
    c.Emit(r, v, Op::kSecretGet, s, 200, t, ip, 0);
    t += c.rng().Range(30, 120) * kSec;
  }
  c.AddLabel("KV_RareSecretAccess", true, v, r, "");
  return Status::OK();
}

struct Entry {
  ScenarioInfo info;
  Builder build;
};
const std::vector<Entry>& Entries() {
  static const std::vector<Entry> kEntries = {
      {{"ti-access", "KV_SuspiciousIPAccess"}, TiAccess},
      {{"ti-denied", "KV_SuspiciousIPAccessDenied"}, TiDenied},
      {{"tor", "KV_TORAccess"}, Tor},
      {{"unusual-ip", "KV_UnusualAccessSuspiciousIP"}, UnusualIp},
      {{"user-anomaly", "KV_UserAnomaly"}, UserAnomaly},
      {{"app-anomaly", "KV_AppAnomaly"}, AppAnomaly},
      {{"userapp-anomaly", "KV_UserAppAnomaly"}, UserAppAnomaly},
      {{"user-denied", "KV_UserAccessDeniedAnomaly"}, UserDenied},
      {{"account-volume", "KV_AccountVolumeAnomaly"}, AccountVolume},
      {{"denied-volume", "KV_AccountVolumeAccessDeniedAnomaly"}, DeniedVolume},
      {{"op-volume", "KV_OperationVolumeAnomaly"}, OpVolume},
      {{"op-pattern", "KV_OperationPatternAnomaly"}, OpPattern},
      {{"list-get", "KV_ListGetAnomaly"}, ListGet},
      {{"put-get", "KV_PutGetAnomaly"}, PutGet},
      {{"mass-retrieval", "KV_MassSecretRetrieval"}, MassRetrieval},
      {{"sensitive-op", "KV_SensitiveOperation"}, SensitiveOp},
      {{"policy-flip", "KV_AccessPolicyFlip"}, PolicyFlip},
      {{"timeseries", "KV_AccessTimeSeriesAnomaly"}, TimeSeries},
      {{"excessive", "KV_ExcessiveRetrieval"}, Excessive},
      {{"rare-secret", "KV_RareSecretAccess"}, RareSecret},
  };
  return kEntries;
}

}  // namespace

const std::vector<ScenarioInfo>& AllScenarios() {
  static const std::vector<ScenarioInfo> kAll = [] {
    std::vector<ScenarioInfo> v;
    for (const Entry& e : Entries()) v.push_back(e.info);
    return v;
  }();
  return kAll;
}

Result<std::vector<ScenarioInfo>> SelectScenarios(const std::string& selection) {
  if (selection == "all") return AllScenarios();
  std::vector<ScenarioInfo> out;
  if (selection == "none" || selection.empty()) return out;
  std::set<std::string> wanted;
  size_t pos = 0;
  while (pos <= selection.size()) {
    size_t comma = selection.find(',', pos);
    std::string item =
        selection.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!item.empty()) {
      bool found = false;
      for (const ScenarioInfo& s : AllScenarios()) {
        if (item == s.id || item == s.alert_type) found = true;
      }
      if (!found) {
        return Status::InvalidArgument("unknown scenario '" + item +
                                       "' (use a scenario id such as list-get, or an AlertType)");
      }
      wanted.insert(item);
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  for (const ScenarioInfo& s : AllScenarios()) {
    if (wanted.count(s.id) || wanted.count(s.alert_type)) out.push_back(s);
  }
  return out;
}

Status BuildScenarios(const ScenarioPlan& plan, const std::vector<ScenarioInfo>& selected,
                      const IntelLists& intel, Tenant* tenant, Rng* rng, uint32_t* seq,
                      std::vector<Ev>* events, std::vector<Label>* labels) {
  if (selected.empty()) return Status::OK();
  if (plan.days <= plan.history_days) {
    return Status::InvalidArgument("--days (" + std::to_string(plan.days) +
                                   ") must exceed --history-days (" +
                                   std::to_string(plan.history_days) + ") to inject attacks");
  }
  Ctx ctx(intel, tenant, rng, seq, events, labels);
  ctx.Reserve(plan.reserved);
  const int64_t attack_start = plan.start_us + plan.history_days * kDay;
  // Slots are spread over the attack period minus 7 h at the end, the room the longest scenario
  // (mass retrieval, up to 6 h) needs.
  const int64_t attack_span =
      std::max<int64_t>((plan.days - plan.history_days) * kDay - 7 * kHour, kHour);
  const int64_t slots = static_cast<int64_t>(selected.size()) * plan.repeat;
  int64_t k = 0;
  for (int rep = 0; rep < plan.repeat; ++rep) {
    for (const ScenarioInfo& s : selected) {
      const Entry* entry = nullptr;
      for (const Entry& e : Entries()) {
        if (std::string_view(e.info.id) == s.id) entry = &e;
      }
      int64_t t0 = attack_start + (2 * k + 1) * attack_span / (2 * slots) +
                   static_cast<int64_t>(rng->Below(static_cast<uint64_t>(30 * kMin)));
      t0 = std::max(t0, attack_start + 10 * kMin);
      VW_RETURN_IF_ERROR(
          entry->build(ctx, std::string(s.id) + "-" + std::to_string(rep + 1), t0, plan));
      ++k;
    }
  }
  return Status::OK();
}

}  // namespace vw::gen
