#include "generator/generator.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "base/json_writer.h"
#include "base/time_format.h"
#include "generator/enterprise.h"
#include "generator/format.h"
#include "generator/rng.h"
#include "generator/scenarios.h"
#include "generator/tenant.h"

namespace vw::gen {
namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kChunk = 10 * kMin;
constexpr size_t kFlushBytes = 4 << 20;

bool DataPlane(Op op) {
  return op != Op::kVaultGet && op != Op::kVaultPut && op != Op::kVaultPatch;
}

bool EvLess(const Ev& a, const Ev& b) { return a.t_us != b.t_us ? a.t_us < b.t_us : a.seq < b.seq; }
bool DeliverLess(const Ev& a, const Ev& b) {
  return a.deliver_us != b.deliver_us ? a.deliver_us < b.deliver_us : a.seq < b.seq;
}

// Resolves a relative threat-intel directory: as given (from the working directory), else under
// $VW_SOURCE_DIR, else under an ancestor of the executable (build/<preset>/apps/vaultwatch run
// from anywhere finds the checkout's configs/).
std::string ResolveIntelDir(const std::string& dir) {
  auto ok = [](const std::filesystem::path& d) {
    std::error_code ec;
    return std::filesystem::exists(d / "tor-exit-nodes.txt", ec);
  };
  if (ok(dir) || std::filesystem::path(dir).is_absolute()) return dir;
  if (const char* src = std::getenv("VW_SOURCE_DIR");
      src != nullptr && ok(std::filesystem::path(src) / dir)) {
    return (std::filesystem::path(src) / dir).string();
  }
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (std::filesystem::path p = exe.parent_path(); !ec && !p.empty() && p != p.root_path();
       p = p.parent_path()) {
    if (ok(p / dir)) return (p / dir).string();
  }
  return dir;
}

}  // namespace

// The benign traffic model, run slice by slice (docs/scenarios.md section 1).
class Generator::Engine {
 public:
  Engine(Generator* g)
      : g_(*g),
        t_(g->tenant_),
        rng_(g->benign_seed_),
        late_rng_(Mix64(g->benign_seed_ ^ 0x1a7e)),
        cursor_(t_.identities.size()),
        tried_denied_(t_.identities.size(), false),
        token_exp_(t_.identities.size(), INT64_MIN),
        busy_until_(t_.identities.size(), INT64_MIN),
        gens_(t_.vaults.size()) {
    // One cursor per (identity, home vault): each working set is read round-robin on its own.
    for (size_t i = 0; i < cursor_.size(); ++i) {
      cursor_[i].resize(std::max<size_t>(1, t_.identities[i].home_vaults.size()));
      for (uint32_t& c : cursor_[i]) c = static_cast<uint32_t>(rng_.Below(1000));
    }
    for (size_t v = 0; v < t_.vaults.size(); ++v) gens_[v].assign(t_.vaults[v].secrets.size(), 0);
    vault_readers_.resize(t_.vaults.size());
    for (uint32_t i = 0; i < t_.identities.size(); ++i) {
      const Identity& id = t_.identities[i];
      if (id.role == Role::kAppReader) {
        for (uint32_t v : id.home_vaults) vault_readers_[v].push_back(i);
      }
    }
    int64_t start_day = g->options_.start_us >= 0 ? g->options_.start_us / kDay : 0;
    dow0_ = static_cast<int>((start_day + 3) % 7);  // 1970-01-01 was a Thursday
  }

  // Appends the benign records of slice [cs, cs + kChunk) to `out` (unsorted, not yet delivered).
  void Slice(int64_t cs, int day, int hour, std::vector<Ev>* out) {
    const int dow = (dow0_ + day) % 7;
    day_ = day;
    for (uint32_t i = 0; i < t_.identities.size(); ++i) {
      const Identity& id = t_.identities[i];
      if (id.role == Role::kExternal || id.active_from_us >= cs + kChunk) continue;
      mine_.clear();
      int64_t from = std::max(cs, id.active_from_us);
      int64_t width = cs + kChunk - from;
      switch (id.role) {
        case Role::kAppReader:
        case Role::kOnboardApp:
        case Role::kCryptoApp: {
          double lambda = id.daily_actions * HourWeight(id.role, dow, hour) *
                          (static_cast<double>(width) / kHour) * (dow == 4 ? id.friday_factor : 1);
          int64_t n = rng_.Poisson(lambda);
          for (int64_t k = 0; k < n; ++k)
            SingleOp(i, from + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(width))));
          break;
        }
        case Role::kConfigSync: {
          int64_t period = id.sync_interval_h * kHour;
          int64_t base = g_.options_.start_us + id.sync_minute * kMin;
          int64_t k = cs <= base ? 0 : (cs - base + period - 1) / period;
          for (int64_t ts = base + k * period; ts < cs + kChunk; ts += period) Sync(i, ts);
          break;
        }
        case Role::kPipeline:
        case Role::kDeveloper:
        case Role::kAdmin: {
          double lambda = id.daily_actions * HourWeight(id.role, dow, hour) / 6.0;
          int64_t n = rng_.Poisson(lambda);
          for (int64_t k = 0; k < n; ++k) {
            int64_t ts = cs + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(kChunk)));
            // A person (or pipeline) runs one session at a time.
            ts = std::max(ts, busy_until_[i]);
            if (id.role == Role::kPipeline) Burst(i, ts);
            if (id.role == Role::kDeveloper) DevSession(i, ts);
            if (id.role == Role::kAdmin) AdminSession(i, ts);
            int64_t last = ts;
            for (const Ev& e : mine_) last = std::max(last, e.t_us);
            busy_until_[i] = last + rng_.Range(30, 120) * kSec;
          }
          break;
        }
        default:
          break;
      }
      if (mine_.empty()) continue;
      std::sort(mine_.begin(), mine_.end(), EvLess);
      for (const Ev& e : mine_) {
        if (DataPlane(e.op) && e.t_us >= token_exp_[i]) {
          Ev a = e;
          a.t_us = std::max(cs, e.t_us - 2000 - static_cast<int64_t>(rng_.Below(38000)));
          a.seq = g_.seq_++;
          a.aux = static_cast<uint32_t>(e.op);
          a.op = Op::kAuthentication;
          a.http = 401;
          a.claim = kNoClaim;
          a.flags = 0;
          out->push_back(a);
          token_exp_[i] = e.t_us + rng_.Range(60, 90) * kMin;
        }
        out->push_back(e);
      }
    }
  }

 private:
  Ev& Add(uint32_t ident, uint32_t vault, Op op, uint32_t obj, int64_t t, uint32_t ip,
          uint8_t claim, uint16_t http = 200) {
    Ev e;
    e.t_us = t;
    e.seq = g_.seq_++;
    e.ident = ident;
    e.vault = vault;
    e.op = op;
    e.obj = obj;
    e.ip = ip;
    e.claim = claim;
    e.http = http;
    if (op == Op::kSecretGet || op == Op::kSecretSet)
      e.gen = gens_[vault][obj % gens_[vault].size()];
    mine_.push_back(e);
    return mine_.back();
  }
  uint32_t Ip(const Identity& id) {
    if (id.ip_rotation_days > 0)
      return id.ips[static_cast<size_t>(day_ / id.ip_rotation_days) % id.ips.size()];
    return id.ips.size() == 1 ? id.ips[0] : id.ips[rng_.Below(id.ips.size())];
  }
  uint32_t NextWorking(uint32_t i, size_t home) {
    const auto& w = t_.identities[i].working[home];
    return w[cursor_[i][home]++ % w.size()];
  }

  void SingleOp(uint32_t i, int64_t ts) {
    const Identity& id = t_.identities[i];
    size_t home = id.home_vaults.size() == 1 ? 0 : rng_.Below(id.home_vaults.size());
    uint32_t v = id.home_vaults[home];
    if (id.role == Role::kCryptoApp) {
      const auto& keys = id.working[home];
      uint32_t key = keys[rng_.Below(keys.size())];
      double r = rng_.Uniform();
      Op op = r < 0.02 ? Op::kKeyGet : r < 0.67 ? id.crypto_ops[0] : id.crypto_ops[1];
      Add(i, v, op, key, ts, Ip(id), 0);
      return;
    }
    if (rng_.Chance(0.005)) {
      Add(i, v, Op::kSecretGet, NextWorking(i, home), ts, Ip(id), 0, 404).flags |= kEvMissing;
      return;
    }
    Add(i, v, Op::kSecretGet, NextWorking(i, home), ts, Ip(id), 0);
  }

  void Sync(uint32_t i, int64_t ts) {
    const Identity& id = t_.identities[i];
    uint32_t v = id.home_vaults[0];
    size_t n = t_.vaults[v].secrets.size();
    int64_t span = rng_.Range(20, 40) * kSec;
    Add(i, v, Op::kSecretList, 0, ts, id.ips[0], 0);
    for (size_t s = 0; s < n; ++s) {
      Add(i, v, Op::kSecretGet, static_cast<uint32_t>(s),
          ts + kSec + static_cast<int64_t>(s) * span / static_cast<int64_t>(n), id.ips[0], 0);
    }
  }

  void Burst(uint32_t i, int64_t ts) {
    const Identity& id = t_.identities[i];
    uint32_t v = id.home_vaults[0];
    const Vault& vault = t_.vaults[v];
    int n = static_cast<int>(rng_.Range(3, 8));
    for (int k = 0; k < n; ++k) {
      double r = rng_.Uniform();
      if (r < 0.08 && !vault.certs.empty()) {
        Add(i, v, Op::kCertificateGet, 0, ts, Ip(id), 0);
      } else if (r < 0.10) {
        uint32_t s = NextWorking(i, 0);
        ++gens_[v][s];
        Add(i, v, Op::kSecretSet, s, ts, Ip(id), 0);
      } else {
        Add(i, v, Op::kSecretGet, NextWorking(i, 0), ts, Ip(id), 0);
      }
      ts += rng_.Range(20, 60) * kSec;
    }
  }

  void DevSession(uint32_t i, int64_t ts) {
    const Identity& id = t_.identities[i];
    size_t home = id.home_vaults.size() == 1 ? 0 : rng_.Below(id.home_vaults.size());
    uint32_t v = id.home_vaults[home];
    uint8_t claim = static_cast<uint8_t>(rng_.Below(id.data_claims));
    uint32_t ip = id.ips[0];
    auto gap = [&] { return rng_.Range(10, 60) * kSec; };
    if (rng_.Chance(0.2)) {
      Add(i, v, Op::kVaultGet, 0, ts, ip, id.mgmt_claim);
      ts += gap();
    }
    if (rng_.Chance(0.3)) {
      Add(i, v, Op::kSecretList, 0, ts, ip, claim);
      ts += gap();
    }
    int n = static_cast<int>(rng_.Range(1, 5));
    for (int k = 0; k < n; ++k) {
      double r = rng_.Uniform();
      if (r < 0.72) {
        if (rng_.Chance(0.005)) {
          Add(i, v, Op::kSecretGet, NextWorking(i, home), ts, ip, claim, 404).flags |= kEvMissing;
        } else {
          Add(i, v, Op::kSecretGet, NextWorking(i, home), ts, ip, claim);
        }
      } else if (r < 0.78) {
        uint32_t s = NextWorking(i, home);
        ++gens_[v][s];
        Add(i, v, Op::kSecretSet, s, ts, ip, claim);
      } else if (r < 0.86) {
        Add(i, v, Op::kKeyList, 0, ts, ip, claim);
      } else if (r < 0.93) {
        Add(i, v, t_.vaults[v].certs.empty() ? Op::kSecretList : Op::kCertificateList, 0, ts, ip,
            claim);
      } else {
        Add(i, v, Op::kSecretListVersions, NextWorking(i, home), ts, ip, claim);
      }
      ts += gap();
    }
    // Now and then the developer tries the one vault it has no rights on (always the same one).
    // The first session already does, so that the denial is part of the history from day 0.
    if (id.denied_vault != kNone && (!tried_denied_[i] || rng_.Chance(0.05))) {
      tried_denied_[i] = true;
      const Vault& dv = t_.vaults[id.denied_vault];
      bool list = rng_.Chance(0.5);
      Add(i, id.denied_vault, list ? Op::kSecretList : Op::kSecretGet,
          static_cast<uint32_t>(rng_.Below(dv.secrets.size())), ts, ip, claim, 403);
    }
  }

  void AdminSession(uint32_t i, int64_t ts) {
    const Identity& id = t_.identities[i];
    uint32_t v = id.scope[cursor_[i][0]++ % id.scope.size()];
    uint32_t ip = id.ips[0];
    Add(i, v, Op::kVaultGet, 0, ts, ip, id.mgmt_claim);
    // About once a week: (re-)grant an application that already uses this vault.
    if (!vault_readers_[v].empty() && rng_.Chance(1.0 / (5.0 * std::max(1.0, id.daily_actions)))) {
      ts += rng_.Range(10, 60) * kSec;
      Ev& e = Add(i, v, Op::kVaultPatch, 0, ts, ip, id.mgmt_claim);
      e.flags |= kEvPolicyAdd;
      e.aux = vault_readers_[v][rng_.Below(vault_readers_[v].size())];
    }
    int n = static_cast<int>(rng_.Range(1, 3));
    for (int k = 0; k < n; ++k) {
      ts += rng_.Range(10, 60) * kSec;
      Op op = k == 0 ? Op::kSecretList : k == 1 ? Op::kKeyList : Op::kCertificateList;
      if (op == Op::kCertificateList && t_.vaults[v].certs.empty()) op = Op::kSecretList;
      Add(i, v, op, 0, ts, ip, 0);
    }
  }

  Generator& g_;
  Tenant& t_;
  Rng rng_;
  Rng late_rng_;
  std::vector<std::vector<uint32_t>> cursor_;
  std::vector<bool> tried_denied_;
  std::vector<int64_t> token_exp_;
  std::vector<int64_t> busy_until_;
  std::vector<std::vector<uint16_t>> gens_;
  std::vector<std::vector<uint32_t>> vault_readers_;
  std::vector<Ev> mine_;
  int dow0_ = 0;
  int day_ = 0;

 public:
  Rng& late_rng() { return late_rng_; }
};

Result<std::unique_ptr<Generator>> Generator::Create(const GeneratorOptions& o) {
  if (o.days < 1 || o.days > 3660) return Status::InvalidArgument("--days must be in [1, 3660]");
  if (o.history_days < 0) return Status::InvalidArgument("--history-days must be >= 0");
  if (o.late_fraction < 0 || o.late_fraction > 1)
    return Status::InvalidArgument("--late-fraction must be in [0, 1]");
  if (o.envelope_size < 1) return Status::InvalidArgument("--envelope-size must be >= 1");
  if (o.repeat < 1 || o.repeat > 100)
    return Status::InvalidArgument("--repeat must be in [1, 100]");
  if (o.start_us % kDay != 0) return Status::InvalidArgument("--start must be a midnight UTC");
  VW_ASSIGN_OR_RETURN(TenantSpec spec, PresetSpec(o.tenant));
  if (o.vaults > 0) spec.vaults = o.vaults;
  if (o.identities > 0) spec.identities = o.identities;
  VW_ASSIGN_OR_RETURN(std::vector<ScenarioInfo> selected, SelectScenarios(o.scenarios));
  VW_ASSIGN_OR_RETURN(IntelLists intel, LoadIntelLists(ResolveIntelDir(o.intel_dir)));

  std::unique_ptr<Generator> g(new Generator());
  g->options_ = o;
  Rng root(o.seed);
  Rng tenant_rng = root.Fork(1), scenario_rng = root.Fork(2), onboard_rng = root.Fork(3);
  g->benign_seed_ = root.Next();
  g->format_seed_ = root.Next();
  Rng routine_rng = root.Fork(4);
  VW_ASSIGN_OR_RETURN(g->tenant_, BuildTenant(spec, o.events_per_day, intel, tenant_rng));
  Tenant& t = g->tenant_;

  // Benign change: a new vault and a new application onboarded by an admin.
  int onboard_n = 0;
  for (int day : {o.history_days - 4, o.history_days + 1}) {
    if (day < 1 || day >= o.days) continue;
    ++onboard_n;
    Rng& r = onboard_rng;
    std::vector<uint32_t> admins;
    for (uint32_t i = 0; i < t.identities.size(); ++i) {
      if (t.identities[i].role == Role::kAdmin) admins.push_back(i);
    }
    uint32_t a = admins[r.Below(admins.size())];
    Vault v = t.vaults[t.identities[a].scope[0]];  // same subscription and resource group
    v.name = "kv-onboard-" + std::to_string(onboard_n);
    std::string upper = v.name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    v.resource_id = v.resource_id.substr(0, v.resource_id.rfind('/') + 1) + upper;
    v.resource_id_lower =
        v.resource_id_lower.substr(0, v.resource_id_lower.rfind('/') + 1) + v.name;
    v.host = "https://" + v.name + ".vault.azure.net/";
    v.mgmt_uri =
        v.mgmt_uri.substr(0, v.mgmt_uri.rfind("/vaults/") + 8) + v.name + "?api-version=2023-07-01";
    v.secrets.resize(std::min<size_t>(v.secrets.size(), 12));
    v.created_day = day;
    v.daily_ops = v.daily_reads = 0;
    t.vaults.push_back(v);
    uint32_t vi = static_cast<uint32_t>(t.vaults.size() - 1);
    int64_t t0 = o.start_us + day * kDay + 10 * kHour + r.Range(0, 120) * kMin;
    Identity app;
    app.role = Role::kOnboardApp;
    app.oid = NewGuid(r);
    app.app_id = NewGuid(r);
    app.claims.push_back("{\"claim\":{\"oid\":\"" + app.oid + "\",\"appid\":\"" + app.app_id +
                         "\",\"appidacr\":\"2\",\"idtyp\":\"app\",\"tid\":\"" + t.tenant_id +
                         "\"}}");
    app.client_infos.push_back(
        "azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.1; Linux 5.15.0-1057-azure)");
    app.ips.push_back(
        t.AddIp("10.42." + std::to_string(onboard_n) + "." + std::to_string(10 + r.Below(200))));
    app.home_vaults.push_back(vi);
    app.working.push_back({0, 1, 2, static_cast<uint32_t>(3 + r.Below(3))});
    app.daily_actions = 96;
    app.active_from_day = day;
    app.active_from_us = t0 + r.Range(10, 30) * kMin;
    t.identities.push_back(std::move(app));
    uint32_t ai = static_cast<uint32_t>(t.identities.size() - 1);
    const Identity& adm = t.identities[a];
    Ev put;
    put.t_us = t0;
    put.seq = g->seq_++;
    put.ident = a;
    put.vault = vi;
    put.ip = adm.ips[0];
    put.op = Op::kVaultPut;
    put.claim = adm.mgmt_claim;
    g->scheduled_.push_back(put);
    Ev patch = put;
    patch.t_us = t0 + r.Range(2, 5) * kMin;
    patch.seq = g->seq_++;
    patch.op = Op::kVaultPatch;
    patch.flags = kEvPolicyAdd;
    patch.aux = ai;
    g->scheduled_.push_back(patch);
  }

  ScenarioPlan plan;
  if (o.routines) {
    RoutinePlan rp;
    rp.start_us = o.start_us;
    rp.days = o.days;
    VW_RETURN_IF_ERROR(BuildEnterpriseRoutines(rp, intel, &t, &routine_rng, &g->seq_,
                                               &g->scheduled_, &plan.reserved));
  }
  plan.start_us = o.start_us;
  plan.days = o.days;
  plan.history_days = o.history_days;
  plan.repeat = o.repeat;
  VW_RETURN_IF_ERROR(BuildScenarios(plan, selected, intel, &t, &scenario_rng, &g->seq_,
                                    &g->scheduled_, &g->labels_));
  const int64_t end_us = o.start_us + o.days * kDay;
  for (Ev& e : g->scheduled_) e.t_us = std::clamp(e.t_us, o.start_us, end_us - 1);
  std::sort(g->scheduled_.begin(), g->scheduled_.end(), EvLess);
  return g;
}

Status Generator::Run(OutputSink& sink,
                      const std::function<bool(const GeneratorStats&, double)>& progress) {
  Engine engine(this);
  RecordFormatter formatter(&tenant_, format_seed_);
  OutBuffer buf;
  std::vector<uint32_t> ends;
  std::vector<Ev> pending, fresh;
  size_t next_scheduled = 0;
  int in_envelope = 0;  // records in the open envelope
  stats_ = GeneratorStats{};
  stats_.first_us = INT64_MAX;
  stats_.last_us = INT64_MIN;

  auto flush = [&]() -> Status {
    if (buf.size() == 0) return Status::OK();
    stats_.bytes += buf.size();
    Status s = sink.Write(buf.view(), ends);
    buf.Clear();
    ends.clear();
    return s;
  };
  auto emit = [&](const Ev& e) -> Status {
    if (options_.envelope) {
      buf.Append(in_envelope == 0 ? std::string_view("{\"records\":[") : std::string_view(","));
      formatter.Append(e, &buf);
      if (++in_envelope == options_.envelope_size) {
        buf.Append("]}\n");
        ends.push_back(static_cast<uint32_t>(buf.size()));
        ++stats_.messages;
        in_envelope = 0;
      }
    } else {
      formatter.Append(e, &buf);
      buf.Append("\n");
      ends.push_back(static_cast<uint32_t>(buf.size()));
      ++stats_.messages;
    }
    ++stats_.records;
    if (e.flags & kEvAttack) {
      ++stats_.attack;
    } else {
      ++stats_.benign;
    }
    if (e.op == Op::kAuthentication) ++stats_.auth_challenges;
    if (e.http == 403) ++stats_.denied;
    if (e.http == 404) ++stats_.not_found;
    if (e.flags & kEvLate) ++stats_.late;
    stats_.first_us = std::min(stats_.first_us, e.t_us);
    stats_.last_us = std::max(stats_.last_us, e.t_us);
    if (in_envelope == 0 && buf.size() >= kFlushBytes) return flush();
    return Status::OK();
  };

  const int64_t chunks = static_cast<int64_t>(options_.days) * (kDay / kChunk);
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t cs = options_.start_us + c * kChunk, ce = cs + kChunk;
    fresh.clear();
    engine.Slice(cs, static_cast<int>(c / (kDay / kChunk)),
                 static_cast<int>((c % (kDay / kChunk)) / 6), &fresh);
    while (next_scheduled < scheduled_.size() && scheduled_[next_scheduled].t_us < ce) {
      fresh.push_back(scheduled_[next_scheduled++]);
    }
    for (Ev& e : fresh) {
      e.deliver_us = e.t_us;
      if (options_.late_fraction > 0 && engine.late_rng().Chance(options_.late_fraction)) {
        e.deliver_us = e.t_us + engine.late_rng().Range(5 * kSec, 600 * kSec);
        e.flags |= kEvLate;
      }
      pending.push_back(e);
    }
    std::sort(pending.begin(), pending.end(), DeliverLess);
    size_t n = 0;
    while (n < pending.size() && pending[n].deliver_us < ce) {
      VW_RETURN_IF_ERROR(emit(pending[n]));
      ++n;
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
    if (progress && !progress(stats_, static_cast<double>(c + 1) / static_cast<double>(chunks))) {
      return Status::Cancelled("generation cancelled");
    }
  }
  for (const Ev& e : pending) VW_RETURN_IF_ERROR(emit(e));
  if (in_envelope > 0) {
    buf.Append("]}\n");
    ends.push_back(static_cast<uint32_t>(buf.size()));
    ++stats_.messages;
    in_envelope = 0;
  }
  VW_RETURN_IF_ERROR(flush());
  if (stats_.records == 0) stats_.first_us = stats_.last_us = options_.start_us;
  return sink.Close();
}

std::string LabelJson(const Label& l) {
  JsonWriter w;
  w.BeginObject();
  w.Key("scenario").String(l.scenario).Key("AlertType").String(l.alert_type);
  w.Key("vault").String(l.vault).Key("caller").String(l.caller).Key("ip").String(l.ip);
  w.Key("start").String(FormatRfc3339(l.start)).Key("end").String(FormatRfc3339(l.end));
  w.Key("role").String(l.role);
  return w.EndObject().Take();
}

std::string SummaryJson(const GeneratorOptions& o, const GeneratorStats& s, size_t num_labels) {
  JsonWriter w;
  w.BeginObject();
  w.Key("seed").Uint(o.seed).Key("tenant").String(o.tenant);
  w.Key("days").Uint(static_cast<uint64_t>(o.days));
  w.Key("history_days").Uint(static_cast<uint64_t>(o.history_days));
  w.Key("events_total").Uint(s.records).Key("events_benign").Uint(s.benign);
  w.Key("events_attack").Uint(s.attack).Key("auth_challenges").Uint(s.auth_challenges);
  w.Key("late").Uint(s.late).Key("labels").Uint(num_labels);
  w.Key("first").String(FormatRfc3339(EventTime::FromMicros(s.first_us)));
  w.Key("last").String(FormatRfc3339(EventTime::FromMicros(s.last_us)));
  return w.EndObject().Take();
}

}  // namespace vw::gen
