#include "generator/enterprise.h"

#include <algorithm>
#include <cctype>

namespace vw::gen {
namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;

class Routines {
 public:
  Routines(const RoutinePlan& plan, const IntelLists& intel, Tenant* t, Rng* rng, uint32_t* seq,
           std::vector<Ev>* out)
      : plan_(plan), intel_(intel), t_(*t), rng_(*rng), seq_(*seq), out_(*out) {
    int64_t start_day = plan.start_us / kDay;
    dow0_ = static_cast<int>((start_day + 3) % 7);  // 1970-01-01 was a Thursday
    original_vaults_ = static_cast<uint32_t>(t_.vaults.size());
    instances_ = std::max<int>(1, static_cast<int>(original_vaults_) / 25);
  }

  Status Build() {
    CiCd();
    Backup();
    Jit();
    BreakGlass();
    EphemeralVaults();
    AppHabits();
    return Status::OK();
  }

  int Dow(int day) const { return (dow0_ + day) % 7; }
  int64_t DayStart(int day) const { return plan_.start_us + day * kDay; }

  Ev& Add(uint32_t ident, uint32_t vault, Op op, uint32_t obj, int64_t t, uint32_t ip,
          uint8_t claim, uint16_t http = 200) {
    // A routine's record past the run's end (the last night's clean-up) is not generated.
    if (t >= plan_.start_us + plan_.days * kDay) return discard_;
    Ev e;
    e.t_us = t;
    e.seq = seq_++;
    e.ident = ident;
    e.vault = vault;
    e.op = op;
    e.obj = obj;
    e.ip = ip;
    e.claim = claim;
    e.http = http;
    out_.push_back(e);
    return out_.back();
  }

  const std::set<uint32_t>& taken() const { return taken_; }

 private:
  // Identities of `role` that no other routine uses, in random order.
  std::vector<uint32_t> Candidates(Role role) {
    std::vector<uint32_t> v;
    for (uint32_t i = 0; i < t_.identities.size(); ++i) {
      const Identity& id = t_.identities[i];
      if (id.role == role && id.active_from_day == 0 && !taken_.count(i)) v.push_back(i);
    }
    for (size_t i = 0; i < v.size(); ++i) std::swap(v[i], v[i + rng_.Below(v.size() - i)]);
    return v;
  }

  // A service principal whose every record is scheduled here, calling from Azure (Microsoft
  // ranges), `n_ips` addresses it rotates through every few days.
  uint32_t NewRoutineSp(const char* client, int n_ips) {
    Identity id;
    id.role = Role::kRoutine;
    id.oid = NewGuid(rng_);
    id.app_id = NewGuid(rng_);
    id.claims.push_back("{\"claim\":{\"oid\":\"" + id.oid + "\",\"appid\":\"" + id.app_id +
                        "\",\"appidacr\":\"2\",\"idtyp\":\"app\",\"tid\":\"" + t_.tenant_id +
                        "\"}}");
    id.client_infos.push_back(client);
    for (int k = 0; k < n_ips; ++k) id.ips.push_back(t_.AddIp(intel_.microsoft.Sample(rng_)));
    id.ip_rotation_days = 3;
    t_.identities.push_back(std::move(id));
    return static_cast<uint32_t>(t_.identities.size() - 1);
  }
  uint32_t IpOn(const Identity& id, int day) const {
    if (id.ip_rotation_days <= 0) return id.ips[0];
    return id.ips[static_cast<size_t>(day / id.ip_rotation_days) % id.ips.size()];
  }

  // A vault that existed before the run, not yet given a routine of this kind.
  uint32_t PickVault(std::set<uint32_t>* used) {
    std::vector<uint32_t> v;
    for (uint32_t i = 0; i < original_vaults_; ++i) {
      if (t_.vaults[i].created_day == 0 && !used->count(i)) v.push_back(i);
    }
    if (v.empty()) return kNone;
    uint32_t x = v[rng_.Below(v.size())];
    used->insert(x);
    return x;
  }

  // CI/CD: each day's builds create a few ephemeral secrets (and read them back); the nightly
  // clean-up deletes and purges them. A signing key is created on Mondays and destroyed on
  // Sunday night.
  void CiCd() {
    std::vector<uint32_t> pipes = Candidates(Role::kPipeline);
    for (int n = 0; n < instances_ && n < static_cast<int>(pipes.size()); ++n) {
      uint32_t p = pipes[static_cast<size_t>(n)];
      taken_.insert(p);
      const Identity& id = t_.identities[p];
      uint32_t v = id.home_vaults[0];
      Vault& vault = t_.vaults[v];
      std::vector<uint32_t> eph;
      for (int j = 0; j < 3; ++j) {
        eph.push_back(static_cast<uint32_t>(vault.secrets.size()));
        vault.secrets.push_back("ci-ephemeral-" + std::to_string(n + 1) + "-" +
                                std::to_string(j + 1));
      }
      uint32_t key = static_cast<uint32_t>(vault.keys.size());
      vault.keys.push_back("ci-signing-" + std::to_string(n + 1));
      uint32_t ip = id.ips[0];
      for (int day = 0; day < plan_.days; ++day) {
        int64_t t = DayStart(day) + rng_.Range(13 * 60, 17 * 60) * kMin;
        for (uint32_t s : eph) {
          Add(p, v, Op::kSecretSet, s, t, ip, 0);
          Add(p, v, Op::kSecretGet, s, t + rng_.Range(5, 60) * kSec, ip, 0);
          t += rng_.Range(1, 5) * kMin;
        }
        int64_t night = DayStart(day + 1) + 2 * kHour + rng_.Range(0, 30) * kMin;
        for (uint32_t s : eph) {
          Add(p, v, Op::kSecretDelete, s, night, ip, 0);
          Add(p, v, Op::kSecretPurge, s, night + rng_.Range(20, 90) * kSec, ip, 0);
          night += rng_.Range(2, 4) * kMin;
        }
        if (Dow(day) == 0) {
          int64_t tk = DayStart(day) + rng_.Range(9 * 60, 11 * 60) * kMin;
          Add(p, v, Op::kKeyCreate, key, tk, ip, 0);
          Add(p, v, Op::kKeyGet, key, tk + rng_.Range(10, 60) * kSec, ip, 0);
        }
        if (Dow(day) == 6) {
          int64_t tk = DayStart(day) + 23 * kHour + rng_.Range(0, 30) * kMin;
          Add(p, v, Op::kKeyDelete, key, tk, ip, 0);
          Add(p, v, Op::kKeyPurge, key, tk + rng_.Range(30, 90) * kSec, ip, 0);
        }
      }
    }
  }

  // Backup: every object of one or two vaults, nightly, listed then backed up one by one.
  void Backup() {
    std::set<uint32_t> used;
    for (int n = 0; n < instances_; ++n) {
      uint32_t b = NewRoutineSp("BackupService/3.2 (Linux; Azure Automation)", 4);
      int nv = 1 + static_cast<int>(rng_.Below(2));
      std::vector<uint32_t> vaults;
      for (int k = 0; k < nv; ++k) {
        uint32_t v = PickVault(&used);
        if (v != kNone) vaults.push_back(v);
      }
      int64_t minute = rng_.Range(0, 120);
      for (int day = 0; day < plan_.days; ++day) {
        uint32_t ip = IpOn(t_.identities[b], day);
        int64_t t = DayStart(day) + kHour + (minute + rng_.Range(0, 10)) * kMin;
        for (uint32_t v : vaults) {
          const Vault& vault = t_.vaults[v];
          Add(b, v, Op::kSecretList, 0, t, ip, 0);
          for (uint32_t s = 0; s < vault.secrets.size(); ++s)
            Add(b, v, Op::kSecretBackup, s, t += rng_.Range(1, 3) * kSec, ip, 0);
          Add(b, v, Op::kKeyList, 0, t += 2 * kSec, ip, 0);
          for (uint32_t k = 0; k < vault.keys.size(); ++k)
            Add(b, v, Op::kKeyBackup, k, t += rng_.Range(1, 3) * kSec, ip, 0);
          if (!vault.certs.empty()) {
            Add(b, v, Op::kCertificateList, 0, t += 2 * kSec, ip, 0);
            for (uint32_t c = 0; c < vault.certs.size(); ++c)
              Add(b, v, Op::kCertificateBackup, c, t += rng_.Range(1, 3) * kSec, ip, 0);
          }
          t += rng_.Range(1, 5) * kMin;
        }
      }
    }
  }

  // JIT access: an automation grants an operator (a developer of the vault) access, the operator
  // reads what it came for, and the automation removes the grant minutes later; on about half of
  // the weekdays, per vault.
  void Jit() {
    std::vector<uint32_t> devs = Candidates(Role::kDeveloper);
    int made = 0;
    for (uint32_t d : devs) {
      if (made >= instances_) break;
      const Identity& dev = t_.identities[d];
      uint32_t v = dev.home_vaults[0];
      if (jit_vaults_.count(v)) continue;
      jit_vaults_.insert(v);
      taken_.insert(d);
      ++made;
      uint32_t j = NewRoutineSp("JitAccess/1.4 (Azure Functions)", 3);
      for (int day = 0; day < plan_.days; ++day) {
        if (Dow(day) >= 5 || !rng_.Chance(0.6)) continue;
        uint32_t ip = IpOn(t_.identities[j], day);
        int64_t t = DayStart(day) + rng_.Range(8 * 60, 17 * 60) * kMin;
        Ev& add = Add(j, v, Op::kVaultPatch, 0, t, ip, 0);
        add.flags |= kEvPolicyAdd;
        add.aux = d;
        int64_t tr = t + rng_.Range(40, 90) * kSec;
        const Identity& op = t_.identities[d];
        int reads = static_cast<int>(rng_.Range(1, 3));
        for (int k = 0; k < reads; ++k) {
          const auto& w = op.working[0];
          Add(d, v, Op::kSecretGet, w[rng_.Below(w.size())], tr, op.ips[0], 0);
          tr += rng_.Range(10, 40) * kSec;
        }
        Ev& rm = Add(j, v, Op::kVaultPatch, 0, t + rng_.Range(3, 8) * kMin, ip, 0);
        rm.flags |= kEvPolicyRemove;
        rm.aux = d;
      }
    }
  }

  // Break-glass: an admin adds itself to its emergency vault's policy, lists the secrets and reads
  // the few emergency credentials, every two to four days; the grant is removed later that day.
  void BreakGlass() {
    std::vector<uint32_t> admins = Candidates(Role::kAdmin);
    for (int n = 0; n < instances_ && n < static_cast<int>(admins.size()); ++n) {
      uint32_t a = admins[static_cast<size_t>(n)];
      taken_.insert(a);
      const Identity& adm = t_.identities[a];
      uint32_t v = adm.scope[0];
      const Vault& vault = t_.vaults[v];
      std::vector<uint32_t> creds;
      for (uint32_t k = 0; k < 3 && k < vault.secrets.size(); ++k)
        creds.push_back(static_cast<uint32_t>(rng_.Below(vault.secrets.size())));
      uint32_t ip = adm.ips[0];
      for (int day = static_cast<int>(rng_.Below(3)); day < plan_.days;
           day += static_cast<int>(rng_.Range(2, 4))) {
        int64_t t = DayStart(day) + rng_.Range(7 * 60, 20 * 60) * kMin;
        Ev& add = Add(a, v, Op::kVaultPatch, 0, t, ip, adm.mgmt_claim);
        add.flags |= kEvPolicyAdd;
        add.aux = a;
        int64_t tr = t + rng_.Range(1, 4) * kMin;
        Add(a, v, Op::kSecretList, 0, tr, ip, 0);
        for (uint32_t s : creds)
          Add(a, v, Op::kSecretGet, s, tr += rng_.Range(15, 90) * kSec, ip, 0);
        Ev& rm = Add(a, v, Op::kVaultPatch, 0, t + rng_.Range(30, 120) * kMin, ip, adm.mgmt_claim);
        rm.flags |= kEvPolicyRemove;
        rm.aux = a;
      }
    }
  }

  // A pipeline creates a test vault, sets and reads a few secrets in it, and deletes it within
  // hours, every two to four days.
  void EphemeralVaults() {
    std::vector<uint32_t> pipes = Candidates(Role::kPipeline);
    int serial = 0;
    for (int n = 0; n < instances_ && n < static_cast<int>(pipes.size()); ++n) {
      uint32_t p = pipes[static_cast<size_t>(n)];
      taken_.insert(p);
      const Identity& id = t_.identities[p];
      uint32_t ip = id.ips[0];
      for (int day = static_cast<int>(rng_.Below(3)); day < plan_.days;
           day += static_cast<int>(rng_.Range(2, 4))) {
        Vault v = t_.vaults[id.home_vaults[0]];
        v.name = "kv-citest-" + std::to_string(++serial);
        std::string upper = v.name;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        v.resource_id = v.resource_id.substr(0, v.resource_id.rfind('/') + 1) + upper;
        v.resource_id_lower =
            v.resource_id_lower.substr(0, v.resource_id_lower.rfind('/') + 1) + v.name;
        v.host = "https://" + v.name + ".vault.azure.net/";
        v.mgmt_uri = v.mgmt_uri.substr(0, v.mgmt_uri.rfind("/vaults/") + 8) + v.name +
                     "?api-version=2023-07-01";
        v.secrets = {"test-db-password", "test-api-key", "test-storage-key"};
        v.created_day = day + 1;  // created during the run: no scenario picks it
        v.daily_ops = v.daily_reads = 0;
        t_.vaults.push_back(std::move(v));
        uint32_t vi = static_cast<uint32_t>(t_.vaults.size() - 1);
        int64_t t = DayStart(day) + rng_.Range(9 * 60, 16 * 60) * kMin;
        Add(p, vi, Op::kVaultPut, 0, t, ip, id.mgmt_claim);
        t += rng_.Range(1, 3) * kMin;
        for (uint32_t s = 0; s < 3; ++s) Add(p, vi, Op::kSecretSet, s, t += 5 * kSec, ip, 0);
        int reads = static_cast<int>(rng_.Range(5, 20));
        for (int k = 0; k < reads; ++k)
          Add(p, vi, Op::kSecretGet, static_cast<uint32_t>(k % 3), t += rng_.Range(30, 300) * kSec,
              ip, 0);
        Add(p, vi, Op::kVaultDelete, 0, t + rng_.Range(30, 180) * kMin, ip, id.mgmt_claim);
      }
    }
  }

  // Application habits: a Friday batch at several times the usual rate; outbound addresses that
  // change every few days within Microsoft's ranges; throttling bursts (HTTP 429 for a minute,
  // then the same requests retried successfully) on the busiest applications.
  void AppHabits() {
    std::vector<uint32_t> apps = Candidates(Role::kAppReader);
    size_t next = 0;
    for (int n = 0; n < instances_ && next < apps.size(); ++n) {
      Identity& id = t_.identities[apps[next++]];
      id.friday_factor = 3.0 + static_cast<double>(rng_.Below(3));
    }
    for (int n = 0; n < instances_ && next < apps.size(); ++n) {
      Identity& id = t_.identities[apps[next++]];
      id.ips.clear();
      for (int k = 0; k < 4; ++k) id.ips.push_back(t_.AddIp(intel_.microsoft.Sample(rng_)));
      id.ip_rotation_days = 2 + static_cast<int>(rng_.Below(3));
    }
    // Key Vault throttles a client that sends many requests in seconds: the tenant's busiest
    // applications hit it, and the throttled share is a fraction of their hour (a quarter to a
    // half of an average hour, at least 10 requests).
    std::sort(apps.begin(), apps.end(), [&](uint32_t a, uint32_t b) {
      return t_.identities[a].daily_actions > t_.identities[b].daily_actions;
    });
    for (int n = 0; n < instances_ && n < static_cast<int>(apps.size()); ++n) {
      uint32_t a = apps[static_cast<size_t>(n)];
      const Identity& id = t_.identities[a];
      const double hourly = id.daily_actions / 24.0;
      uint32_t v = id.home_vaults[0];
      const auto& w = id.working[0];
      for (int day = 0; day < plan_.days; ++day) {
        if (!rng_.Chance(0.4)) continue;
        int64_t t = DayStart(day) + rng_.Range(8 * 60, 18 * 60) * kMin;
        int burst = static_cast<int>(
            rng_.Range(static_cast<int64_t>(hourly / 4), static_cast<int64_t>(hourly / 2)));
        for (int k = 0; k < burst; ++k) {
          uint32_t s = w[static_cast<size_t>(k) % w.size()];
          int64_t tk = t + k * 50 * kSec / burst;
          Add(a, v, Op::kSecretGet, s, tk, id.ips[0], 0, 429);
          Add(a, v, Op::kSecretGet, s, tk + rng_.Range(20, 120) * kSec, id.ips[0], 0);
        }
      }
    }
  }

  const RoutinePlan& plan_;
  const IntelLists& intel_;
  Tenant& t_;
  Rng& rng_;
  uint32_t& seq_;
  std::vector<Ev>& out_;
  int dow0_ = 0;
  int instances_ = 1;
  uint32_t original_vaults_ = 0;
  std::set<uint32_t> taken_, jit_vaults_;
  Ev discard_;
};

}  // namespace

Status BuildEnterpriseRoutines(const RoutinePlan& plan, const IntelLists& intel, Tenant* tenant,
                               Rng* rng, uint32_t* seq, std::vector<Ev>* events,
                               std::set<uint32_t>* reserved) {
  Routines r(plan, intel, tenant, rng, seq, events);
  VW_RETURN_IF_ERROR(r.Build());
  reserved->insert(r.taken().begin(), r.taken().end());
  return Status::OK();
}

}  // namespace vw::gen
