#include "generator/tenant.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

namespace vw::gen {

const char* OpName(Op op) {
  static constexpr std::array<const char*, static_cast<size_t>(Op::kCount)> kNames = {
      "Authentication", "VaultGet",        "VaultPut",          "VaultPatch",
      "SecretGet",      "SecretSet",       "SecretList",        "SecretListVersions",
      "SecretBackup",   "SecretDelete",    "SecretPurge",       "KeyGet",
      "KeyList",        "KeyListVersions", "KeyBackup",         "KeyWrap",
      "KeyUnwrap",      "KeySign",         "KeyVerify",         "KeyEncrypt",
      "KeyDecrypt",     "CertificateGet",  "CertificateList",   "KeyCreate",
      "KeyDelete",      "KeyPurge",        "CertificateBackup", "VaultDelete"};
  return kNames[static_cast<size_t>(op)];
}

Result<TenantSpec> PresetSpec(const std::string& name) {
  if (name == "small") return TenantSpec{2, 3, 20, 60};
  if (name == "medium") return TenantSpec{5, 4, 200, 1000};
  if (name == "large") return TenantSpec{20, 5, 2000, 20000};
  return Status::InvalidArgument("--tenant must be small, medium or large, not '" + name + "'");
}

Result<IntelLists> LoadIntelLists(const std::string& dir) {
  IntelLists lists;
  VW_ASSIGN_OR_RETURN(lists.tor, IpList::Load(dir + "/tor-exit-nodes.txt"));
  VW_ASSIGN_OR_RETURN(lists.suspicious, IpList::Load(dir + "/suspicious-ips.txt"));
  VW_ASSIGN_OR_RETURN(lists.microsoft, IpList::Load(dir + "/microsoft-ranges.txt"));
  if (lists.tor.empty() || lists.suspicious.empty() || lists.microsoft.empty()) {
    return Status::InvalidArgument("threat-intel lists in " + dir + " must not be empty");
  }
  return lists;
}

std::string NewGuid(Rng& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = rng.Next(), b = rng.Next();
  std::string s(36, '-');
  int bit = 0;
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    uint64_t w = bit < 16 ? a : b;
    s[i] = kHex[(w >> (4 * (bit % 16))) & 15];
    ++bit;
  }
  s[14] = '4';  // looks like a v4 UUID, as Azure's are
  return s;
}

namespace {

double RawHourWeight(Role role, int dow, int hour) {
  bool weekend = dow >= 5;
  switch (role) {
    case Role::kPipeline:
      return (!weekend && hour >= 7 && hour < 19) ? 1.0 : 0.0;
    case Role::kDeveloper:
    case Role::kAdmin: {
      double w = (hour >= 8 && hour < 18) ? (hour == 12 ? 0.5 : 1.0) : 0.0;
      return weekend ? 0.05 * w : w;
    }
    default: {
      double w = 0.8 + 0.3 * std::cos(6.283185307179586 * (hour - 14) / 24.0);
      return weekend ? 0.8 * w : w;
    }
  }
}

constexpr int kNumRoles = static_cast<int>(Role::kExternal) + 1;

struct WeightTable {
  double w[kNumRoles][7][24];
  WeightTable() {
    for (int r = 0; r < kNumRoles; ++r) {
      double sum = 0;
      for (int h = 0; h < 24; ++h) sum += RawHourWeight(static_cast<Role>(r), 0, h);
      for (int d = 0; d < 7; ++d) {
        for (int h = 0; h < 24; ++h) {
          w[r][d][h] = sum > 0 ? RawHourWeight(static_cast<Role>(r), d, h) / sum : 0;
        }
      }
    }
  }
};

const std::array<const char*, 20> kApps = {
    "payments",  "orders", "billing", "identity", "search",  "catalog",  "shipping",
    "analytics", "crm",    "hr",      "web",      "api",     "data",     "ml",
    "iot",       "backup", "reports", "auth",     "gateway", "inventory"};
const std::array<const char*, 4> kEnvs = {"prod", "stg", "dev", "test"};
const std::array<const char*, 18> kSecretServices = {
    "db",   "sql",  "redis", "storage", "servicebus", "eventhub", "cosmos",   "api",     "jwt",
    "smtp", "sftp", "oauth", "graph",   "stripe",     "twilio",   "sendgrid", "elastic", "kafka"};
const std::array<const char*, 7> kSecretKinds = {"password", "conn",          "key", "secret",
                                                 "token",    "client-secret", "sas"};
const std::array<const char*, 6> kKeyNames = {"cmk", "sign",        "disk-encryption",
                                              "tde", "jwt-signing", "wrap"};
const std::array<const char*, 4> kCertNames = {"tls", "client-auth", "saml-signing", "mtls"};

const std::array<const char*, 6> kSpClientInfos = {
    "azsdk-net-Security.KeyVault.Secrets/4.5.0 (.NET 6.0.25; Linux 5.15.0-1057-azure #65-Ubuntu "
    "SMP)",
    "azsdk-java-azure-security-keyvault-secrets/4.8.1 (17.0.9; Linux; 5.15.0-1052-azure)",
    "azsdk-python-keyvault-secrets/4.7.0 Python/3.11.6 "
    "(Linux-5.15.0-1052-azure-x86_64-with-glibc2.36)",
    "azsdk-go-azsecrets/v1.1.0 (go1.21.5; linux)",
    "FxVersion/4.8.4645.0 OSName/Windows OSVersion/Microsoft.Windows.10.0.20348 "
    "Microsoft.Azure.KeyVault.KeyVaultClient/3.0.5.1",
    "azsdk-js-keyvault-secrets/4.7.0 core-rest-pipeline/1.12.2 Node/v18.19.0 "
    "OS/(x64-Linux-5.15.0)"};
const std::array<const char*, 3> kCryptoClientInfos = {
    "azsdk-net-Security.KeyVault.Keys/4.5.0 (.NET 6.0.25; Linux 5.15.0-1057-azure #65-Ubuntu SMP)",
    "azsdk-java-azure-security-keyvault-keys/4.7.3 (17.0.9; Linux; 5.15.0-1052-azure)",
    "Azure-Storage/9.3.2 (.NET CLR 4.0.30319.42000; Win32NT 6.2.9200.0) KeyVault-CMK"};

struct UserApp {
  const char* app_id;
  const char* client_info;
};
const std::array<UserApp, 3> kUserApps = {{
    {"c44b4083-3bb0-49c1-b47d-974e53cbdf3c",  // Azure Portal
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"},
    {"04b07795-8ddb-461a-bbee-02f9e1bf7b46",  // Azure CLI
     "AZURECLI/2.55.0 (DEB) azsdk-python-keyvault-secrets/4.7.0 Python/3.11.5 "
     "(Linux-6.2.0-1018-azure-x86_64-with-glibc2.35)"},
    {"1950a258-227b-4e31-a9cf-717495945fc2",  // Azure PowerShell
     "PowerShell/7.4.0 Az.KeyVault/5.0.1"},
}};

const std::array<const char*, 24> kFirstNames = {
    "alice", "bob",  "carol",   "dave",   "erin",   "frank", "grace",  "heidi",
    "ivan",  "judy", "mallory", "niaj",   "olivia", "peggy", "rupert", "sybil",
    "trent", "uma",  "victor",  "walter", "xena",   "yusuf", "zoe",    "liam"};
const std::array<const char*, 12> kLastNames = {"smith",  "garcia",   "muller",  "rossi",
                                                "dubois", "kowalski", "tanaka",  "silva",
                                                "novak",  "jensen",   "oconnor", "haddad"};

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

std::string SpJwtClaim(const std::string& oid, const std::string& app, const std::string& tid) {
  return "{\"claim\":{\"oid\":\"" + oid + "\",\"appid\":\"" + app +
         "\",\"appidacr\":\"2\",\"idtyp\":\"app\",\"tid\":\"" + tid + "\"}}";
}
std::string SpUriClaim(const std::string& oid, const std::string& app, const std::string& tid) {
  return "{\"claim\":{\"http://schemas.microsoft.com/identity/claims/objectidentifier\":\"" + oid +
         "\",\"appid\":\"" + app +
         "\",\"http://schemas.microsoft.com/identity/claims/tenantid\":\"" + tid + "\"}}";
}

}  // namespace

double HourWeight(Role role, int dow, int hour) {
  static const WeightTable table;
  return table.w[static_cast<int>(role)][dow][hour];
}

std::string UserJwtClaim(const Identity& u, const std::string& app_id, const std::string& ipaddr,
                         const std::string& tid, bool mfa) {
  return "{\"claim\":{\"oid\":\"" + u.oid + "\",\"appid\":\"" + app_id +
         "\",\"scp\":\"user_impersonation\",\"appidacr\":\"0\",\"xms_az_nwperimid\":[],\"upn\":\"" +
         u.upn + "\",\"ipaddr\":\"" + ipaddr + "\",\"unique_name\":\"" + u.upn +
         "\",\"amr\":" + (mfa ? "[\"pwd\",\"mfa\"]" : "\"pwd\"") + ",\"tid\":\"" + tid + "\"}}";
}

Result<Tenant> BuildTenant(const TenantSpec& spec, int64_t events_per_day, const IntelLists& intel,
                           Rng& rng) {
  if (spec.vaults < 4 || spec.identities < 20) {
    return Status::InvalidArgument("a tenant needs at least 4 vaults and 20 identities");
  }
  if (events_per_day < 1000) return Status::InvalidArgument("--events-per-day must be >= 1000");
  Tenant t;
  t.tenant_id = NewGuid(rng);

  // Corporate NAT pool: three addresses of TEST-NET-2 (198.51.100.0/24).
  for (int i = 0; i < 3; ++i) {
    t.nat_ips.push_back(t.AddIp("198.51.100." + std::to_string(10 + 7 * i + rng.Below(6))));
  }

  // Subscriptions and resource groups.
  std::vector<std::string> subs;
  std::vector<std::vector<std::string>> rgs;
  for (int s = 0; s < spec.subscriptions; ++s) {
    subs.push_back(NewGuid(rng));
    rgs.emplace_back();
    for (int g = 0; g < spec.resource_groups_per_subscription; ++g) {
      rgs.back().push_back(std::string("rg-") + kApps[rng.Below(kApps.size())] + "-" +
                           kEnvs[rng.Below(kEnvs.size())] + "-" + std::to_string(g + 1));
    }
  }

  // Vaults.
  std::set<std::string> names;
  for (int v = 0; v < spec.vaults; ++v) {
    Vault vault;
    std::string name;
    do {
      name = std::string("kv-") + kApps[rng.Below(kApps.size())] + "-" +
             kEnvs[rng.Below(kEnvs.size())] + "-" + (v < 9 ? "0" : "") +
             std::to_string(1 + rng.Below(std::max(9, spec.vaults / 8)));
    } while (!names.insert(name).second);
    vault.name = name;
    vault.subscription_index = static_cast<uint32_t>(rng.Below(subs.size()));
    vault.subscription = subs[vault.subscription_index];
    vault.resource_group =
        rgs[vault.subscription_index][rng.Below(rgs[vault.subscription_index].size())];
    vault.resource_id = "/SUBSCRIPTIONS/" + Upper(vault.subscription) + "/RESOURCEGROUPS/" +
                        Upper(vault.resource_group) + "/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/" +
                        Upper(name);
    vault.resource_id_lower = "/subscriptions/" + vault.subscription + "/resourcegroups/" +
                              vault.resource_group + "/providers/microsoft.keyvault/vaults/" + name;
    vault.host = "https://" + name + ".vault.azure.net/";
    vault.mgmt_uri = "https://management.azure.com/subscriptions/" + vault.subscription +
                     "/resourceGroups/" + vault.resource_group +
                     "/providers/Microsoft.KeyVault/vaults/" + name + "?api-version=2023-07-01";
    vault.rbac = rng.Chance(0.4);
    int nsecrets =
        v < 3 ? static_cast<int>(rng.Range(60, 120)) : static_cast<int>(rng.Range(10, 120));
    std::set<std::string> snames;
    while (static_cast<int>(vault.secrets.size()) < nsecrets) {
      std::string s = std::string(kSecretServices[rng.Below(kSecretServices.size())]) + "-" +
                      kSecretKinds[rng.Below(kSecretKinds.size())];
      if (rng.Chance(0.5)) s += "-" + std::to_string(1 + rng.Below(20));
      if (snames.insert(s).second) vault.secrets.push_back(s);
    }
    int nkeys = static_cast<int>(rng.Range(2, 6));
    for (int k = 0; k < nkeys; ++k)
      vault.keys.push_back(std::string(kKeyNames[k]) + "-" + name.substr(3));
    int ncerts = static_cast<int>(rng.Range(0, 4));
    for (int c = 0; c < ncerts; ++c)
      vault.certs.push_back(std::string(kCertNames[c]) + "-" + name.substr(3));
    t.vaults.push_back(std::move(vault));
  }
  const uint32_t nv = static_cast<uint32_t>(t.vaults.size());

  // Role counts.
  const int n = spec.identities;
  int n_sync = std::max(2, n / 20), n_admin = std::max(2, n / 10), n_dev = std::max(3, n / 5),
      n_crypto = std::max(3, n * 15 / 100), n_pipe = std::max(1, n / 10);
  int n_reader = n - n_sync - n_admin - n_dev - n_crypto - n_pipe;
  if (n_reader < 3) return Status::InvalidArgument("too few identities for every role");

  auto pick_ips = [&](Identity& id, bool allow_private) {
    int count = static_cast<int>(rng.Range(1, 2));
    for (int i = 0; i < count; ++i) {
      if (allow_private && rng.Chance(0.3)) {
        id.ips.push_back(t.AddIp("10." + std::to_string(rng.Below(256)) + "." +
                                 std::to_string(rng.Below(256)) + "." +
                                 std::to_string(4 + rng.Below(250))));
      } else {
        std::string ip = intel.microsoft.Sample(rng);
        if (ip.find(':') != std::string::npos || intel.tor.ContainsV4(ip) ||
            intel.suspicious.ContainsV4(ip)) {
          ip = "40.64.1." + std::to_string(1 + rng.Below(250));
        }
        id.ips.push_back(t.AddIp(ip));
      }
    }
  };
  auto make_sp = [&](Role role) {
    Identity id;
    id.role = role;
    id.oid = NewGuid(rng);
    id.app_id = NewGuid(rng);
    bool jwt = rng.Chance(0.7);
    id.claims.push_back(jwt ? SpJwtClaim(id.oid, id.app_id, t.tenant_id)
                            : SpUriClaim(id.oid, id.app_id, t.tenant_id));
    id.client_infos.push_back(role == Role::kCryptoApp
                                  ? kCryptoClientInfos[rng.Below(kCryptoClientInfos.size())]
                                  : kSpClientInfos[rng.Below(kSpClientInfos.size())]);
    // Management-plane operations by service principals (rare: pipelines) use the URI shape.
    id.claims.push_back(SpUriClaim(id.oid, id.app_id, t.tenant_id));
    id.client_infos.push_back("azure-resource-manager/2.0");
    id.mgmt_claim = 1;
    id.data_claims = 1;
    pick_ips(id, role != Role::kPipeline);
    return id;
  };
  auto pick_working = [&](const Vault& v, int lo, int hi) {
    int size =
        std::min(static_cast<int>(rng.Range(lo, hi)), static_cast<int>(v.secrets.size()) - 3);
    std::vector<uint32_t> all(v.secrets.size());
    for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
    for (int i = 0; i < size; ++i) std::swap(all[i], all[i + rng.Below(all.size() - i)]);
    all.resize(std::max(1, size));
    return all;
  };
  // Home vaults are handed out round-robin over a shuffled order, so every vault has tenants.
  std::vector<uint32_t> order(nv);
  for (uint32_t i = 0; i < nv; ++i) order[i] = i;
  for (uint32_t i = nv - 1; i > 0; --i) std::swap(order[i], order[rng.Below(i + 1)]);
  uint32_t next_home = 0;
  auto home = [&]() { return order[next_home++ % nv]; };

  std::vector<Identity>& ids = t.identities;
  for (int i = 0; i < n_reader; ++i) {
    Identity id = make_sp(Role::kAppReader);
    int homes = rng.Chance(0.3) ? 2 : 1;
    for (int h = 0; h < homes; ++h) {
      uint32_t v = home();
      if (std::find(id.home_vaults.begin(), id.home_vaults.end(), v) != id.home_vaults.end())
        continue;
      id.home_vaults.push_back(v);
      id.working.push_back(pick_working(t.vaults[v], 3, 15));
    }
    ids.push_back(std::move(id));
  }
  for (int i = 0; i < n_sync; ++i) {
    Identity id = make_sp(Role::kConfigSync);
    id.home_vaults.push_back(home());
    id.working.emplace_back();
    ids.push_back(std::move(id));
  }
  for (int i = 0; i < n_crypto; ++i) {
    Identity id = make_sp(Role::kCryptoApp);
    uint32_t v = home();
    id.home_vaults.push_back(v);
    int nk =
        std::min<int>(static_cast<int>(rng.Range(1, 3)), static_cast<int>(t.vaults[v].keys.size()));
    std::vector<uint32_t> keys;
    for (int k = 0; k < nk; ++k) keys.push_back(static_cast<uint32_t>(k));
    id.working.push_back(keys);
    switch (i % 3) {
      case 0:
        id.crypto_ops = {Op::kKeyUnwrap, Op::kKeyWrap};
        break;
      case 1:
        id.crypto_ops = {Op::kKeySign, Op::kKeyVerify};
        break;
      default:
        id.crypto_ops = {Op::kKeyDecrypt, Op::kKeyEncrypt};
        break;
    }
    ids.push_back(std::move(id));
  }
  for (int i = 0; i < n_pipe; ++i) {
    Identity id = make_sp(Role::kPipeline);
    uint32_t v = home();
    id.home_vaults.push_back(v);
    id.working.push_back(pick_working(t.vaults[v], 2, 6));
    ids.push_back(std::move(id));
  }
  std::set<std::string> upns;
  auto make_user = [&](Role role) {
    Identity id;
    id.role = role;
    id.oid = NewGuid(rng);
    std::string upn = std::string(kFirstNames[rng.Below(kFirstNames.size())]) + "." +
                      kLastNames[rng.Below(kLastNames.size())];
    if (!upns.insert(upn).second) {
      int k = 2;
      while (!upns.insert(upn + std::to_string(k)).second) ++k;
      upn += std::to_string(k);
    }
    id.upn = upn + "@contoso.example";
    id.ips.push_back(t.nat_ips[rng.Below(t.nat_ips.size())]);
    const std::string& ipaddr = t.ips[id.ips[0]];
    bool mfa = rng.Chance(0.7);
    // Data-plane claims: admins sign in through the portal only; developers use 1-2 of the apps.
    int first = role == Role::kAdmin ? 0 : static_cast<int>(rng.Below(kUserApps.size()));
    int napps = role == Role::kAdmin ? 1 : static_cast<int>(rng.Range(1, 2));
    for (int a = 0; a < napps; ++a) {
      const UserApp& app = kUserApps[(first + a) % kUserApps.size()];
      id.claims.push_back(UserJwtClaim(id, app.app_id, ipaddr, t.tenant_id, mfa));
      id.client_infos.push_back(app.client_info);
    }
    id.data_claims = static_cast<uint8_t>(napps);
    // Management plane through ARM: URI claims; admins without appid (a user acting directly),
    // developers through the portal (objectidentifier + upn + appid, as Microsoft's sample).
    if (role == Role::kAdmin) {
      id.claims.push_back(
          "{\"claim\":{\"http://schemas.microsoft.com/identity/claims/objectidentifier\":\"" +
          id.oid + "\",\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\":\"" + id.upn +
          "\",\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name\":\"" + id.upn + "\"}}");
      id.client_infos.push_back("Mozilla/5.0");
    } else {
      id.claims.push_back(
          "{\"claim\":{\"http://schemas.microsoft.com/identity/claims/objectidentifier\":\"" +
          id.oid + "\",\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\":\"" + id.upn +
          "\",\"appid\":\"" + kUserApps[0].app_id + "\"}}");
      id.client_infos.push_back("azure-resource-manager/2.0");
    }
    id.mgmt_claim = static_cast<uint8_t>(id.claims.size() - 1);
    return id;
  };
  for (int i = 0; i < n_dev; ++i) {
    Identity id = make_user(Role::kDeveloper);
    id.daily_actions = static_cast<double>(rng.Range(4, 15));  // sessions per workday
    int homes = static_cast<int>(rng.Range(1, 3));
    // Each working-set secret must come round several times a week (weekends are quiet), or its
    // next read would look rare: ~1.6 reads per session, spread over the home vaults.
    int max_ws = std::max(2, static_cast<int>(id.daily_actions * 0.6 / homes));
    for (int h = 0; h < homes; ++h) {
      uint32_t v = static_cast<uint32_t>(rng.Below(nv));
      if (std::find(id.home_vaults.begin(), id.home_vaults.end(), v) != id.home_vaults.end())
        continue;
      id.home_vaults.push_back(v);
      id.working.push_back(pick_working(t.vaults[v], 2, std::min(8, max_ws)));
    }
    do {
      id.denied_vault = static_cast<uint32_t>(rng.Below(nv));
    } while (std::find(id.home_vaults.begin(), id.home_vaults.end(), id.denied_vault) !=
             id.home_vaults.end());
    ids.push_back(std::move(id));
  }
  for (int i = 0; i < n_admin; ++i) {
    Identity id = make_user(Role::kAdmin);
    int nscope = static_cast<int>(rng.Range(3, 6));
    uint32_t sub = static_cast<uint32_t>(rng.Below(subs.size()));
    for (uint32_t k = 0; k < nv && static_cast<int>(id.scope.size()) < nscope; ++k) {
      uint32_t v = order[(i * 7 + k) % nv];
      if (t.vaults[v].subscription_index == sub || k >= nv / 2) id.scope.push_back(v);
    }
    id.daily_actions = static_cast<double>(rng.Range(3, 8));  // sessions per workday
    ids.push_back(std::move(id));
  }

  // Rates. Users are fixed above (humans do not scale with the tenant's volume); pipelines make
  // 5-20 bursts a workday; config-sync apps take ~10%; readers and crypto apps share the rest.
  double fixed = 0;
  for (Identity& id : ids) {
    if (id.role == Role::kDeveloper) fixed += id.daily_actions * 5.0;
    if (id.role == Role::kAdmin) fixed += id.daily_actions * 3.5;
    if (id.role == Role::kPipeline) {
      id.daily_actions = static_cast<double>(rng.Range(5, 20));
      fixed += id.daily_actions * 5.5;
    }
  }
  double sync_budget = 0.10 * static_cast<double>(events_per_day) / n_sync;
  static constexpr std::array<int, 8> kIntervals = {1, 2, 3, 4, 6, 8, 12, 24};
  for (Identity& id : ids) {
    if (id.role != Role::kConfigSync) continue;
    double per_sync = 1.0 + static_cast<double>(t.vaults[id.home_vaults[0]].secrets.size());
    double syncs = std::max(1.0, sync_budget / per_sync);
    double want = 24.0 / syncs;
    id.sync_interval_h = 24;
    for (int iv : kIntervals) {
      if (iv >= want) {
        id.sync_interval_h = iv;
        break;
      }
    }
    id.sync_minute = static_cast<int>(rng.Below(60 * id.sync_interval_h));
    fixed += per_sync * 24.0 / id.sync_interval_h;
  }
  double apps_budget = std::max(0.2 * static_cast<double>(events_per_day),
                                static_cast<double>(events_per_day) - fixed);
  double reader_w = 0, crypto_w = 0;
  std::vector<double> weight(ids.size(), 0);
  for (size_t i = 0; i < ids.size(); ++i) {
    weight[i] = 0.25 + 1.5 * rng.Uniform();
    if (ids[i].role == Role::kAppReader) reader_w += weight[i];
    if (ids[i].role == Role::kCryptoApp) crypto_w += weight[i];
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].role == Role::kAppReader)
      ids[i].daily_actions = 0.65 * apps_budget * weight[i] / reader_w;
    if (ids[i].role == Role::kCryptoApp)
      ids[i].daily_actions = 0.35 * apps_budget * weight[i] / crypto_w;
  }

  // Expected per-vault load (weekday), for sizing scenarios.
  for (const Identity& id : ids) {
    double homes = static_cast<double>(std::max<size_t>(1, id.home_vaults.size()));
    for (uint32_t v : id.home_vaults) {
      Vault& vault = t.vaults[v];
      switch (id.role) {
        case Role::kAppReader:
          vault.daily_ops += id.daily_actions / homes;
          vault.daily_reads += id.daily_actions / homes;
          break;
        case Role::kConfigSync: {
          double per_day =
              (1.0 + static_cast<double>(vault.secrets.size())) * 24.0 / id.sync_interval_h;
          vault.daily_ops += per_day;
          vault.daily_reads += per_day;
          break;
        }
        case Role::kCryptoApp:
          vault.daily_ops += id.daily_actions;
          break;
        case Role::kPipeline:
        case Role::kDeveloper:
          vault.daily_ops += id.daily_actions * 5.0 / homes;
          vault.daily_reads += id.daily_actions * 3.0 / homes;
          break;
        default:
          break;
      }
    }
  }
  return t;
}

}  // namespace vw::gen
