#include "generator/format.h"

#include <cstring>

namespace vw::gen {
namespace {

constexpr char kHex[] = "0123456789abcdef";

struct W {
  char* p;
  template <size_t N>
  void Lit(const char (&s)[N]) {
    std::memcpy(p, s, N - 1);
    p += N - 1;
  }
  void Str(std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  void Uint(uint64_t v) {
    char tmp[20];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
  }
  void Digits(uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  }
  void Hex(uint64_t v, int nibbles) {
    for (int i = 0; i < nibbles; ++i) *p++ = kHex[(v >> (4 * (nibbles - 1 - i))) & 15];
  }
};

// Howard Hinnant's civil_from_days.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

bool IsMgmt(Op op) {
  return op == Op::kVaultGet || op == Op::kVaultPut || op == Op::kVaultPatch ||
         op == Op::kVaultDelete;
}
bool IsKeyOp(Op op) {
  return (op >= Op::kKeyGet && op <= Op::kKeyDecrypt) || op == Op::kKeyCreate ||
         op == Op::kKeyDelete || op == Op::kKeyPurge;
}
bool IsCertOp(Op op) {
  return op == Op::kCertificateGet || op == Op::kCertificateList || op == Op::kCertificateBackup;
}

const char* CryptoSuffix(Op op) {
  switch (op) {
    case Op::kKeyWrap:
      return "/wrapkey";
    case Op::kKeyUnwrap:
      return "/unwrapkey";
    case Op::kKeySign:
      return "/sign";
    case Op::kKeyVerify:
      return "/verify";
    case Op::kKeyEncrypt:
      return "/encrypt";
    case Op::kKeyDecrypt:
      return "/decrypt";
    default:
      return "";
  }
}

const char* Permission(Op op) {
  switch (op) {
    case Op::kSecretGet:
      return "secrets get";
    case Op::kSecretList:
      return "secrets list";
    case Op::kSecretSet:
      return "secrets set";
    case Op::kKeyGet:
      return "keys get";
    case Op::kKeyList:
      return "keys list";
    case Op::kCertificateGet:
      return "certificates get";
    case Op::kCertificateList:
      return "certificates list";
    default:
      return "secrets get";
  }
}

void Version(W& w, uint32_t vault, uint32_t obj, uint32_t kind, uint32_t gen) {
  uint64_t h1 =
      Mix64((uint64_t{vault} << 32) ^ (uint64_t{kind} << 28) ^ (uint64_t{obj} << 12) ^ gen);
  uint64_t h2 = Mix64(h1);
  w.Hex(h1, 16);
  w.Hex(h2, 16);
}

// The object part of the URL ("secrets/db-password"), shared by id and requestUri.
void ObjectPath(W& w, const Vault& v, const Ev& ev, Op op) {
  if (IsKeyOp(op)) {
    w.Str(op == Op::kKeyPurge ? std::string_view("deletedkeys/") : std::string_view("keys/"));
    w.Str(v.keys[ev.obj % v.keys.size()]);
  } else if (IsCertOp(op)) {
    w.Lit("certificates/");
    w.Str(v.certs.empty() ? std::string_view("default")
                          : std::string_view(v.certs[ev.obj % v.certs.size()]));
  } else {
    w.Str(op == Op::kSecretPurge ? std::string_view("deletedsecrets/")
                                 : std::string_view("secrets/"));
    w.Str(v.secrets[ev.obj % v.secrets.size()]);
    if (ev.flags & kEvMissing) w.Lit("-old");
  }
}

void VersionOf(W& w, const Ev& ev, Op op) {
  uint32_t kind = IsKeyOp(op) ? 1 : IsCertOp(op) ? 2 : 0;
  Version(w, ev.vault, ev.obj, kind, kind == 0 ? ev.gen : 0);
}

void RequestUri(W& w, const Vault& v, const Ev& ev, Op op) {
  if (IsMgmt(op)) {
    w.Str(v.mgmt_uri);
    return;
  }
  w.Str(v.host);
  switch (op) {
    case Op::kSecretList:
      w.Lit("secrets?api-version=7.4&maxresults=25");
      return;
    case Op::kKeyList:
      w.Lit("keys?api-version=7.4&maxresults=25");
      return;
    case Op::kCertificateList:
      w.Lit("certificates?api-version=7.4&maxresults=25");
      return;
    default:
      break;
  }
  ObjectPath(w, v, ev, op);
  switch (op) {
    case Op::kSecretListVersions:
    case Op::kKeyListVersions:
      w.Lit("/versions?api-version=7.4&maxresults=25");
      return;
    case Op::kSecretBackup:
    case Op::kKeyBackup:
    case Op::kCertificateBackup:
      w.Lit("/backup?api-version=7.4");
      return;
    case Op::kKeyCreate:
      w.Lit("/create?api-version=7.4");
      return;
    case Op::kSecretSet:
    case Op::kSecretDelete:
    case Op::kSecretPurge:
    case Op::kKeyDelete:
    case Op::kKeyPurge:
      w.Lit("?api-version=7.4");
      return;
    case Op::kKeyWrap:
    case Op::kKeyUnwrap:
    case Op::kKeySign:
    case Op::kKeyVerify:
    case Op::kKeyEncrypt:
    case Op::kKeyDecrypt:
      w.Lit("/");
      VersionOf(w, ev, op);
      w.Str(CryptoSuffix(op));
      w.Lit("?api-version=7.4");
      return;
    default:
      w.Lit("/?api-version=7.4");
      return;
  }
}

// properties.id, or nothing for lists. Returns false when the op has no id.
bool ObjectId(W& w, const Vault& v, const Ev& ev, Op op) {
  if (IsMgmt(op)) {
    w.Str(v.host);
    return true;
  }
  if (op == Op::kSecretList || op == Op::kKeyList || op == Op::kCertificateList) return false;
  w.Str(v.host);
  ObjectPath(w, v, ev, op);
  bool versioned =
      ev.http == 200 && (op == Op::kSecretGet || op == Op::kSecretSet || op == Op::kKeyGet ||
                         op == Op::kCertificateGet || !std::string_view(CryptoSuffix(op)).empty());
  if (versioned && !(ev.flags & kEvMissing)) {
    w.Lit("/");
    VersionOf(w, ev, op);
  }
  return true;
}

}  // namespace

RecordFormatter::RecordFormatter(const Tenant* tenant, uint64_t seed)
    : tenant_(tenant), rng_(seed) {}

void RecordFormatter::Append(const Ev& ev, OutBuffer* out) {
  const Vault& v = tenant_->vaults[ev.vault];
  const Identity& id = tenant_->identities[ev.ident];
  const Op op = ev.op;
  const Op uri_op = op == Op::kAuthentication ? static_cast<Op>(ev.aux) : op;
  W w{out->Reserve(kMaxRecord)};

  // time: "2026-01-05T08:01:02.1234567Z" (7 fractional digits, as Azure writes).
  int64_t secs = ev.t_us / 1000000, us = ev.t_us % 1000000;
  if (us < 0) {
    us += 1000000;
    --secs;
  }
  int64_t day = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  if (day != cached_day_) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(day, &y, &m, &d);
    W dw{day_prefix_};
    dw.Digits(static_cast<uint64_t>(y), 4);
    *dw.p++ = '-';
    dw.Digits(m, 2);
    *dw.p++ = '-';
    dw.Digits(d, 2);
    *dw.p++ = 'T';
    cached_day_ = day;
  }
  int64_t sod = secs - day * 86400;
  w.Lit("{\"time\":\"");
  w.Str(std::string_view(day_prefix_, 11));
  w.Digits(static_cast<uint64_t>(sod / 3600), 2);
  *w.p++ = ':';
  w.Digits(static_cast<uint64_t>(sod / 60 % 60), 2);
  *w.p++ = ':';
  w.Digits(static_cast<uint64_t>(sod % 60), 2);
  *w.p++ = '.';
  w.Digits(static_cast<uint64_t>(us) * 10 + ev.seq % 10, 7);
  w.Lit("Z\",\"resourceId\":\"");
  w.Str(v.resource_id);
  w.Lit("\",\"operationName\":\"");
  w.Str(OpName(op));
  w.Lit("\",\"operationVersion\":\"");
  if (IsMgmt(op)) {
    w.Lit("2023-07-01");
  } else {
    w.Lit("7.4");
  }
  w.Lit("\",\"category\":\"AuditEvent\",\"resultType\":\"Success\",\"resultSignature\":\"");
  switch (ev.http) {
    case 200:
      w.Lit("OK");
      break;
    case 401:
      w.Lit("Unauthorized");
      break;
    case 403:
      w.Lit("Forbidden");
      break;
    case 404:
      w.Lit("Not Found");
      break;
    case 429:
      w.Lit("TooManyRequests");
      break;
    default:
      w.Lit("OK");
      break;
  }
  w.Lit("\",\"resultDescription\":\"");
  if (ev.http == 403) {
    if (v.rbac) {
      w.Lit("Caller is not authorized to perform action on resource.");
    } else {
      w.Lit("The user, group or application 'appid=");
      w.Str(id.app_id.empty() ? std::string_view(id.oid) : std::string_view(id.app_id));
      w.Lit(";oid=");
      w.Str(id.oid);
      w.Lit(";iss=https://sts.windows.net/");
      w.Str(tenant_->tenant_id);
      w.Lit("/' does not have ");
      w.Str(Permission(uri_op));
      w.Lit(" permission on key vault '");
      w.Str(v.name);
      w.Lit(
          ";location=westeurope'. For help resolving this issue, please see "
          "https://go.microsoft.com/fwlink/?linkid=2125287");
    }
  } else if (ev.http == 404) {
    w.Lit("A secret with (name/id) ");
    w.Str(v.secrets[ev.obj % v.secrets.size()]);
    w.Lit(
        "-old was not found in this key vault. If you recently deleted this secret you may be able "
        "to recover "
        "it using the correct recovery command. For help resolving this issue, please see "
        "https://go.microsoft.com/fwlink/?linkid=2125182");
  }
  w.Lit("\",\"durationMs\":\"");
  uint64_t r = rng_.Next();
  uint64_t dur;
  if (op == Op::kAuthentication) {
    dur = r % 3;
  } else if (IsMgmt(op)) {
    dur = 15 + r % 180;
  } else if (op == Op::kSecretList || op == Op::kKeyList || op == Op::kCertificateList) {
    dur = 20 + r % 100;
  } else {
    dur = 3 + r % 40;
  }
  w.Uint(dur);
  w.Lit("\",\"callerIpAddress\":\"");
  w.Str(tenant_->ips[ev.ip]);
  w.Lit("\",\"correlationId\":\"");
  uint64_t a = rng_.Next(), b = rng_.Next();
  w.Hex(a >> 32, 8);
  *w.p++ = '-';
  w.Hex((a >> 16) & 0xffff, 4);
  w.Lit("-4");
  w.Hex(a & 0xfff, 3);
  *w.p++ = '-';
  w.Hex(0x8000 | (b >> 48 & 0x3fff), 4);
  *w.p++ = '-';
  w.Hex(b & 0xffffffffffffULL, 12);
  *w.p++ = '"';
  uint8_t ci = ev.claim == kNoClaim ? 0 : ev.claim;
  if (ev.claim != kNoClaim) {
    w.Lit(",\"identity\":");
    w.Str(id.claims[ev.claim]);
  }
  w.Lit(",\"properties\":{");
  char* before_id = w.p;
  w.Lit("\"id\":\"");
  if (ObjectId(w, v, ev, uri_op)) {
    w.Lit("\",");
  } else {
    w.p = before_id;
  }
  w.Lit("\"clientInfo\":\"");
  w.Str(id.client_infos[ci]);
  w.Lit("\",\"httpStatusCode\":");
  w.Uint(ev.http);
  w.Lit(",\"requestUri\":\"");
  RequestUri(w, v, ev, uri_op);
  *w.p++ = '"';
  if (IsMgmt(op)) {
    if (ev.flags & (kEvPolicyAdd | kEvPolicyRemove)) {
      const Identity& target = tenant_->identities[ev.aux];
      w.Str((ev.flags & kEvPolicyAdd)
                ? std::string_view(",\"addedAccessPolicy\":{\"ObjectId\":\"")
                : std::string_view(",\"removedAccessPolicy\":{\"ObjectId\":\""));
      w.Str(target.oid);
      w.Lit("\",\"TenantId\":\"");
      w.Str(tenant_->tenant_id);
      w.Lit("\",\"Permissions\":{\"keys\":[],\"secrets\":[\"get\",\"list\"],\"certificates\":[]}}");
    }
    w.Lit(
        ",\"properties\":{\"sku\":{\"Family\":\"A\",\"Name\":\"Standard\",\"Capacity\":null},"
        "\"tenantId\":\"");
    w.Str(tenant_->tenant_id);
    w.Lit(
        "\",\"networkAcls\":null,\"enabledForDeployment\":false,\"enableSoftDelete\":true,"
        "\"softDeleteRetentionInDays\":90,\"enableRbacAuthorization\":");
    if (v.rbac) {
      w.Lit("true");
    } else {
      w.Lit("false");
    }
    w.Lit(",\"enablePurgeProtection\":null}}}");
  } else {
    if (op != Op::kAuthentication) {
      if (v.rbac) {
        w.Lit(",\"isRbacAuthorized\":");
      } else {
        w.Lit(",\"isAccessPolicyMatch\":");
      }
      if (ev.http == 403) {
        w.Lit("false");
      } else {
        w.Lit("true");
      }
    }
    w.Lit(",\"tlsVersion\":\"TLS1_2\"}}");
  }
  out->Commit(w.p);
}

}  // namespace vw::gen
