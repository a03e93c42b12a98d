#include "processors/ingest/normalize.h"

#include <arpa/inet.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <array>
#include <cstring>

namespace vw::ingest {
namespace {

using vw::v1::ObjectType;
using vw::v1::Operation;
using vw::v1::Outcome;

constexpr char ToLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

struct OpRow {
  std::string_view name;
  Operation op;
  ObjectType type;
};

// Operation names from Microsoft's Key Vault and Managed HSM logging documentation.
constexpr OpRow kOperations[] = {
    {"Authentication", vw::v1::OP_AUTHENTICATION, vw::v1::OBJECT_TYPE_AUTHENTICATION},
    {"VaultGet", vw::v1::OP_VAULT_GET, vw::v1::OBJECT_TYPE_VAULT},
    {"VaultPut", vw::v1::OP_VAULT_PUT, vw::v1::OBJECT_TYPE_VAULT},
    {"VaultPatch", vw::v1::OP_VAULT_PATCH, vw::v1::OBJECT_TYPE_VAULT},
    {"VaultDelete", vw::v1::OP_VAULT_DELETE, vw::v1::OBJECT_TYPE_VAULT},
    {"VaultList", vw::v1::OP_VAULT_LIST, vw::v1::OBJECT_TYPE_VAULT},
    {"VaultRecover", vw::v1::OP_VAULT_RECOVER, vw::v1::OBJECT_TYPE_VAULT},
    {"VaultPurge", vw::v1::OP_VAULT_PURGE, vw::v1::OBJECT_TYPE_VAULT},
    {"VaultGetDeleted", vw::v1::OP_VAULT_GET_DELETED, vw::v1::OBJECT_TYPE_VAULT},
    {"VaultListDeleted", vw::v1::OP_VAULT_LIST_DELETED, vw::v1::OBJECT_TYPE_VAULT},
    {"VaultAccessPolicyChangedEventGridNotification",
     vw::v1::OP_VAULT_ACCESS_POLICY_CHANGED_NOTIFICATION, vw::v1::OBJECT_TYPE_VAULT},
    {"SecretGet", vw::v1::OP_SECRET_GET, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretSet", vw::v1::OP_SECRET_SET, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretUpdate", vw::v1::OP_SECRET_UPDATE, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretDelete", vw::v1::OP_SECRET_DELETE, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretList", vw::v1::OP_SECRET_LIST, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretListVersions", vw::v1::OP_SECRET_LIST_VERSIONS, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretBackup", vw::v1::OP_SECRET_BACKUP, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretRestore", vw::v1::OP_SECRET_RESTORE, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretRecover", vw::v1::OP_SECRET_RECOVER, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretPurge", vw::v1::OP_SECRET_PURGE, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretGetDeleted", vw::v1::OP_SECRET_GET_DELETED, vw::v1::OBJECT_TYPE_SECRET},
    {"SecretListDeleted", vw::v1::OP_SECRET_LIST_DELETED, vw::v1::OBJECT_TYPE_SECRET},
    {"KeyGet", vw::v1::OP_KEY_GET, vw::v1::OBJECT_TYPE_KEY},
    {"KeyCreate", vw::v1::OP_KEY_CREATE, vw::v1::OBJECT_TYPE_KEY},
    {"KeyImport", vw::v1::OP_KEY_IMPORT, vw::v1::OBJECT_TYPE_KEY},
    {"KeyUpdate", vw::v1::OP_KEY_UPDATE, vw::v1::OBJECT_TYPE_KEY},
    {"KeyDelete", vw::v1::OP_KEY_DELETE, vw::v1::OBJECT_TYPE_KEY},
    {"KeyList", vw::v1::OP_KEY_LIST, vw::v1::OBJECT_TYPE_KEY},
    {"KeyListVersions", vw::v1::OP_KEY_LIST_VERSIONS, vw::v1::OBJECT_TYPE_KEY},
    {"KeyBackup", vw::v1::OP_KEY_BACKUP, vw::v1::OBJECT_TYPE_KEY},
    {"KeyRestore", vw::v1::OP_KEY_RESTORE, vw::v1::OBJECT_TYPE_KEY},
    {"KeyRecover", vw::v1::OP_KEY_RECOVER, vw::v1::OBJECT_TYPE_KEY},
    {"KeyPurge", vw::v1::OP_KEY_PURGE, vw::v1::OBJECT_TYPE_KEY},
    {"KeyGetDeleted", vw::v1::OP_KEY_GET_DELETED, vw::v1::OBJECT_TYPE_KEY},
    {"KeyListDeleted", vw::v1::OP_KEY_LIST_DELETED, vw::v1::OBJECT_TYPE_KEY},
    {"KeyEncrypt", vw::v1::OP_KEY_ENCRYPT, vw::v1::OBJECT_TYPE_KEY},
    {"KeyDecrypt", vw::v1::OP_KEY_DECRYPT, vw::v1::OBJECT_TYPE_KEY},
    {"KeySign", vw::v1::OP_KEY_SIGN, vw::v1::OBJECT_TYPE_KEY},
    {"KeyVerify", vw::v1::OP_KEY_VERIFY, vw::v1::OBJECT_TYPE_KEY},
    {"KeyWrap", vw::v1::OP_KEY_WRAP, vw::v1::OBJECT_TYPE_KEY},
    {"KeyUnwrap", vw::v1::OP_KEY_UNWRAP, vw::v1::OBJECT_TYPE_KEY},
    {"KeyRotate", vw::v1::OP_KEY_ROTATE, vw::v1::OBJECT_TYPE_KEY},
    {"KeyRelease", vw::v1::OP_KEY_RELEASE, vw::v1::OBJECT_TYPE_KEY},
    {"KeyRotationPolicyGet", vw::v1::OP_KEY_ROTATION_POLICY_GET, vw::v1::OBJECT_TYPE_KEY},
    {"KeyRotationPolicySet", vw::v1::OP_KEY_ROTATION_POLICY_SET, vw::v1::OBJECT_TYPE_KEY},
    {"KeyRandom", vw::v1::OP_KEY_RANDOM, vw::v1::OBJECT_TYPE_KEY},
    {"GetRandomBytes", vw::v1::OP_KEY_RANDOM, vw::v1::OBJECT_TYPE_KEY},
    {"CertificateGet", vw::v1::OP_CERTIFICATE_GET, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateCreate", vw::v1::OP_CERTIFICATE_CREATE, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateImport", vw::v1::OP_CERTIFICATE_IMPORT, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateUpdate", vw::v1::OP_CERTIFICATE_UPDATE, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateDelete", vw::v1::OP_CERTIFICATE_DELETE, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateList", vw::v1::OP_CERTIFICATE_LIST, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateListVersions", vw::v1::OP_CERTIFICATE_LIST_VERSIONS,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateBackup", vw::v1::OP_CERTIFICATE_BACKUP, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateRestore", vw::v1::OP_CERTIFICATE_RESTORE, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateRecover", vw::v1::OP_CERTIFICATE_RECOVER, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificatePurge", vw::v1::OP_CERTIFICATE_PURGE, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateGetDeleted", vw::v1::OP_CERTIFICATE_GET_DELETED, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateListDeleted", vw::v1::OP_CERTIFICATE_LIST_DELETED,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificatePolicyGet", vw::v1::OP_CERTIFICATE_POLICY_GET, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificatePolicyUpdate", vw::v1::OP_CERTIFICATE_POLICY_UPDATE,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificatePolicySet", vw::v1::OP_CERTIFICATE_POLICY_SET, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateIssuerGet", vw::v1::OP_CERTIFICATE_ISSUER_GET, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateIssuerSet", vw::v1::OP_CERTIFICATE_ISSUER_SET, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateIssuerCreate", vw::v1::OP_CERTIFICATE_ISSUER_SET, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateIssuerUpdate", vw::v1::OP_CERTIFICATE_ISSUER_UPDATE,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateIssuerDelete", vw::v1::OP_CERTIFICATE_ISSUER_DELETE,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateIssuerList", vw::v1::OP_CERTIFICATE_ISSUER_LIST, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateIssuersList", vw::v1::OP_CERTIFICATE_ISSUER_LIST, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateContactsGet", vw::v1::OP_CERTIFICATE_CONTACTS_GET,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateContactsSet", vw::v1::OP_CERTIFICATE_CONTACTS_SET,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificateContactsDelete", vw::v1::OP_CERTIFICATE_CONTACTS_DELETE,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificatePendingGet", vw::v1::OP_CERTIFICATE_PENDING_GET, vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificatePendingMerge", vw::v1::OP_CERTIFICATE_PENDING_MERGE,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificatePendingUpdate", vw::v1::OP_CERTIFICATE_PENDING_UPDATE,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"CertificatePendingDelete", vw::v1::OP_CERTIFICATE_PENDING_DELETE,
     vw::v1::OBJECT_TYPE_CERTIFICATE},
    {"BackupCreate", vw::v1::OP_HSM_BACKUP_CREATE, vw::v1::OBJECT_TYPE_HSM},
    {"RestoreCreate", vw::v1::OP_HSM_RESTORE_CREATE, vw::v1::OBJECT_TYPE_HSM},
    {"RoleAssignmentCreate", vw::v1::OP_HSM_ROLE_ASSIGNMENT_CREATE, vw::v1::OBJECT_TYPE_HSM},
    {"RoleAssignmentDelete", vw::v1::OP_HSM_ROLE_ASSIGNMENT_DELETE, vw::v1::OBJECT_TYPE_HSM},
    {"RoleAssignmentGet", vw::v1::OP_HSM_ROLE_ASSIGNMENT_GET, vw::v1::OBJECT_TYPE_HSM},
    {"RoleAssignmentList", vw::v1::OP_HSM_ROLE_ASSIGNMENT_LIST, vw::v1::OBJECT_TYPE_HSM},
    {"RoleDefinitionList", vw::v1::OP_HSM_ROLE_DEFINITION_LIST, vw::v1::OBJECT_TYPE_HSM},
    {"SecurityDomainDownload", vw::v1::OP_HSM_SECURITY_DOMAIN_DOWNLOAD, vw::v1::OBJECT_TYPE_HSM},
    {"SecurityDomainUpload", vw::v1::OP_HSM_SECURITY_DOMAIN_UPLOAD, vw::v1::OBJECT_TYPE_HSM},
};

constexpr size_t kMaxOpName = 64;

// An open-addressing table of the lower-cased names: FNV-1a over the name while it is lower-cased,
// a power-of-two size, linear probing. Cheaper than std::unordered_map (no modulo, no second pass
// over the name), and it runs for every record.
inline uint32_t OpHashStep(uint32_t h, char lower) {
  return (h ^ static_cast<unsigned char>(lower)) * 16777619u;
}
constexpr uint32_t kOpHashSeed = 2166136261u;

class OperationTable {
 public:
  OperationTable() {
    for (const OpRow& row : kOperations) {
      Slot slot;
      slot.size = row.name.size();
      uint32_t h = kOpHashSeed;
      for (size_t i = 0; i < row.name.size(); ++i) {
        slot.name[i] = ToLowerAscii(row.name[i]);
        h = OpHashStep(h, slot.name[i]);
      }
      slot.info = OperationInfo{row.op, row.type};
      size_t at = h & (kSlots - 1);
      while (slots_[at].size != 0) at = (at + 1) & (kSlots - 1);
      slots_[at] = slot;
    }
  }
  // `lower`: the name lower-cased; `h`: its hash.
  const OperationInfo* Find(std::string_view lower, uint32_t h) const {
    for (size_t at = h & (kSlots - 1);; at = (at + 1) & (kSlots - 1)) {
      const Slot& slot = slots_[at];
      if (slot.size == 0) return nullptr;
      if (slot.size == lower.size() && std::memcmp(slot.name, lower.data(), lower.size()) == 0)
        return &slot.info;
    }
  }

 private:
  static constexpr size_t kSlots = 512;  // > 4x the rows: short probes
  struct Slot {
    size_t size = 0;  // 0: empty
    char name[kMaxOpName] = {};
    OperationInfo info{};
  };
  std::array<Slot, kSlots> slots_{};
};

const OperationTable& Table() {
  static const OperationTable* table =
      new OperationTable();  // leaked on purpose: no exit-order issues
  return *table;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

ObjectType GuessObjectType(std::string_view name) {
  struct Prefix {
    std::string_view prefix;
    ObjectType type;
  };
  static constexpr Prefix kPrefixes[] = {
      {"Secret", vw::v1::OBJECT_TYPE_SECRET},
      {"Certificate", vw::v1::OBJECT_TYPE_CERTIFICATE},
      {"Key", vw::v1::OBJECT_TYPE_KEY},
      {"Vault", vw::v1::OBJECT_TYPE_VAULT},
      {"Authentication", vw::v1::OBJECT_TYPE_AUTHENTICATION},
      {"ManagedStorage", vw::v1::OBJECT_TYPE_STORAGE},
      {"Storage", vw::v1::OBJECT_TYPE_STORAGE},
      {"SasDefinition", vw::v1::OBJECT_TYPE_STORAGE},
      {"Backup", vw::v1::OBJECT_TYPE_HSM},
      {"Restore", vw::v1::OBJECT_TYPE_HSM},
      {"RoleAssignment", vw::v1::OBJECT_TYPE_HSM},
      {"RoleDefinition", vw::v1::OBJECT_TYPE_HSM},
      {"SecurityDomain", vw::v1::OBJECT_TYPE_HSM},
  };
  for (const Prefix& p : kPrefixes) {
    if (StartsWithIgnoreCase(name, p.prefix)) return p.type;
  }
  return vw::v1::OBJECT_TYPE_OTHER;
}

// resultSignature texts (with and without spaces) and what they mean.
Outcome OutcomeFromSignature(std::string_view sig, Operation op) {
  char buf[48];
  size_t n = 0;
  for (char c : sig) {
    if (c == ' ' || c == '_' || c == '-') continue;
    if (n == sizeof(buf)) return vw::v1::OUTCOME_UNSPECIFIED;
    buf[n++] = ToLowerAscii(c);
  }
  std::string_view s(buf, n);
  int64_t code = 0;
  if (ParseDecimal(s, &code) && code >= 100 && code <= 599) {
    return DeriveOutcome(static_cast<int>(code), {}, op);
  }
  if (s == "ok" || s == "accepted" || s == "created" || s == "nocontent" || s == "success" ||
      s == "succeeded") {
    return vw::v1::OUTCOME_SUCCESS;
  }
  if (s == "forbidden") return vw::v1::OUTCOME_DENIED;
  if (s == "unauthorized") {
    return op == vw::v1::OP_AUTHENTICATION ? vw::v1::OUTCOME_AUTH_CHALLENGE
                                           : vw::v1::OUTCOME_DENIED;
  }
  if (s == "notfound") return vw::v1::OUTCOME_NOT_FOUND;
  if (s == "toomanyrequests" || s == "throttled") return vw::v1::OUTCOME_THROTTLED;
  if (s == "badrequest" || s == "conflict" || s == "gone" || s == "preconditionfailed" ||
      s == "methodnotallowed" || s == "requestentitytoolarge" || s == "unsupportedmediatype") {
    return vw::v1::OUTCOME_BAD_REQUEST;
  }
  if (s == "internalservererror" || s == "serviceunavailable" || s == "badgateway" ||
      s == "gatewaytimeout" || s == "notimplemented") {
    return vw::v1::OUTCOME_ERROR;
  }
  return vw::v1::OUTCOME_UNSPECIFIED;
}

// Dotted-quad IPv4 exactly as glibc's inet_pton(AF_INET) reads the NUL-terminated text: four
// decimal parts of at most 255, no leading zeros, nothing else (it runs for every record; the
// libc call needs a terminated copy).
bool ParseIpv4(std::string_view text, unsigned char out[4]) {
  const char* p = text.data();
  const char* end = p + text.size();
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (int k = 0; k < 4; ++k) {
    if (p == end || !digit(*p)) return false;
    unsigned value = static_cast<unsigned>(*p++ - '0');
    if (value == 0 && p != end && digit(*p)) return false;  // a leading zero
    while (p != end && digit(*p)) {
      value = value * 10 + static_cast<unsigned>(*p++ - '0');
      if (value > 255) return false;
    }
    out[k] = static_cast<unsigned char>(value);
    if (k < 3) {
      if (p == end || *p != '.') return false;
      ++p;
    }
  }
  return p == end || *p == '\0';  // where inet_pton's C string would end
}

// The first '/', '?' or '#' at or after `from` (uri.size() if none): sixteen (SSE2) or eight
// (SWAR) bytes at a time, since ids and request URIs are long and this runs for every record.
size_t FindPathStop(std::string_view uri, size_t from) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto zero = [](uint64_t w) { return (w - kOnes) & ~w & kHigh; };
  size_t i = from;
#ifdef __SSE2__
  // Sixteen at a time, the hit's index straight from the mask.
  const __m128i slash = _mm_set1_epi8('/'), query = _mm_set1_epi8('?'), frag = _mm_set1_epi8('#');
  for (; i + 16 <= uri.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(uri.data() + i));
    int hit = _mm_movemask_epi8(_mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, slash), _mm_cmpeq_epi8(v, query)), _mm_cmpeq_epi8(v, frag)));
    if (hit != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(hit)));
  }
#endif
  for (; i + 8 <= uri.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, uri.data() + i, 8);
    uint64_t hit = zero(w ^ (kOnes * '/')) | zero(w ^ (kOnes * '?')) | zero(w ^ (kOnes * '#'));
    if (hit != 0) break;  // the byte loop below finds which one
  }
  for (; i < uri.size(); ++i) {
    char c = uri[i];
    if (c == '/' || c == '?' || c == '#') return i;
  }
  return uri.size();
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return !s.empty();
}

}  // namespace

void AppendLower(std::string_view s, std::string* out) {
  size_t old = out->size();
  out->resize(old + s.size());
  char* p = out->data() + old;
  const char* in = s.data();
  size_t n = s.size();
  size_t i = 0;
#ifdef __SSE2__
  if (n >= 16) {
    // Sixteen bytes at a time, the last sixteen overlapping (lower-casing a byte twice is
    // harmless): GUIDs and resource ids are 36 to 150 bytes. Signed compares leave bytes >= 0x80
    // (UTF-8) alone.
    const __m128i before_a = _mm_set1_epi8('A' - 1), after_z = _mm_set1_epi8('Z' + 1);
    const __m128i case_bit = _mm_set1_epi8(0x20);
    auto lower16 = [&](size_t at) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + at));
      __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, before_a), _mm_cmplt_epi8(v, after_z));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p + at),
                       _mm_or_si128(v, _mm_and_si128(upper, case_bit)));
    };
    for (; i + 16 <= n; i += 16) lower16(i);
    if (i < n) lower16(n - 16);
    return;
  }
#endif
  // Eight bytes at a time (SWAR): ids and URIs are mostly ASCII letters, digits and '/'.
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, in + i, 8);
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    // 0x80 in each byte that is in 'A'..'Z' (bytes >= 0x80 are left alone).
    uint64_t ascii = ~w & kHigh;
    uint64_t ge_a = (w & ~kHigh) + kOnes * (0x80 - 'A');
    uint64_t gt_z = (w & ~kHigh) + kOnes * (0x80 - 'Z' - 1);
    uint64_t upper = ge_a & ~gt_z & ascii;
    w |= upper >> 2;  // 0x80 >> 2 == 0x20, the case bit
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i) p[i] = ToLowerAscii(in[i]);
}

std::string_view AzureOperationName(Operation operation) {
  for (const OpRow& row : kOperations) {
    if (row.op == operation) return row.name;
  }
  return vw::v1::Operation_Name(operation);
}

OperationInfo LookupOperation(std::string_view name) {
  if (name.size() <= kMaxOpName) {
    char buf[kMaxOpName];
    uint32_t h = kOpHashSeed;
    for (size_t i = 0; i < name.size(); ++i) {
      buf[i] = ToLowerAscii(name[i]);
      h = OpHashStep(h, buf[i]);
    }
    if (const OperationInfo* info = Table().Find(std::string_view(buf, name.size()), h))
      return *info;
  }
  return {vw::v1::OPERATION_UNKNOWN, GuessObjectType(name)};
}

Outcome DeriveOutcome(int http_status, std::string_view result_signature, Operation operation) {
  if (http_status >= 100 && http_status <= 599) {
    if (http_status < 400) return vw::v1::OUTCOME_SUCCESS;  // 1xx/3xx do not occur; not failures
    if (http_status == 401) {
      return operation == vw::v1::OP_AUTHENTICATION ? vw::v1::OUTCOME_AUTH_CHALLENGE
                                                    : vw::v1::OUTCOME_DENIED;
    }
    if (http_status == 403) return vw::v1::OUTCOME_DENIED;
    if (http_status == 404) return vw::v1::OUTCOME_NOT_FOUND;
    if (http_status == 429) return vw::v1::OUTCOME_THROTTLED;
    if (http_status < 500) return vw::v1::OUTCOME_BAD_REQUEST;
    return vw::v1::OUTCOME_ERROR;
  }
  if (result_signature.empty()) return vw::v1::OUTCOME_UNSPECIFIED;
  return OutcomeFromSignature(result_signature, operation);
}

vw::v1::IdentityType DeriveIdentityType(bool has_upn, bool has_app_id, bool has_object_id,
                                        std::string_view idtyp) {
  if (EqualsIgnoreCase(idtyp, "app")) return vw::v1::IDENTITY_TYPE_SERVICE_PRINCIPAL;
  if (has_upn || EqualsIgnoreCase(idtyp, "user")) {
    return has_app_id ? vw::v1::IDENTITY_TYPE_USER_AND_APP : vw::v1::IDENTITY_TYPE_USER;
  }
  // An app id without a user: a service principal or managed identity acting as itself (its own
  // object id, when present, is the service principal's).
  if (has_app_id) return vw::v1::IDENTITY_TYPE_SERVICE_PRINCIPAL;
  (void)has_object_id;  // an object id alone does not say whether it is a user or an app
  return vw::v1::IDENTITY_TYPE_UNKNOWN;
}

void ParseResourceId(std::string_view rid, vw::v1::AccessEvent* e) {
  std::string* id = e->mutable_vault_id();
  id->clear();
  AppendLower(rid, id);
  // Walk the segments of the lower-cased id; each one names the value of the segment before it.
  const char* p = id->data();
  const size_t n = id->size();
  std::string_view prev;
  std::string_view last;
  size_t begin = 0;
  for (size_t i = 0; i <= n; ++i) {
    if (i < n && p[i] != '/') continue;
    if (i > begin) {
      std::string_view seg(p + begin, i - begin);
      if (prev == "subscriptions") {
        e->mutable_subscription_id()->assign(seg);
      } else if (prev == "resourcegroups") {
        e->mutable_resource_group()->assign(seg);
      } else if (prev == "vaults") {
        e->mutable_vault_name()->assign(seg);
        e->set_vault_kind(vw::v1::VAULT_KIND_KEY_VAULT);
      } else if (prev == "managedhsms") {
        e->mutable_vault_name()->assign(seg);
        e->set_vault_kind(vw::v1::VAULT_KIND_MANAGED_HSM);
      }
      prev = seg;
      last = seg;
    }
    begin = i + 1;
  }
  if (e->vault_name().empty()) e->mutable_vault_name()->assign(last);
}

void ParseTarget(std::string_view uri, bool is_request_uri, vw::v1::AccessEvent* e) {
  // Skip "scheme://host/"; stop at the query or fragment. Plain loops: this runs on every record.
  size_t i = 0;
  const size_t size = uri.size();
  if (uri.substr(0, 8) == "https://") {
    i = 8;
  } else if (size_t scheme = uri.find("://"); scheme != std::string_view::npos) {
    i = scheme + 3;
  }
  if (i >= size) return;
  const void* slash = std::memchr(uri.data() + i, '/', size - i);
  if (slash == nullptr) return;
  i = static_cast<size_t>(static_cast<const char*>(slash) - uri.data()) + 1;
  std::string_view seg[4];
  int n = 0;
  size_t begin = i;
  for (; n < 4; ++i) {
    i = FindPathStop(uri, i);
    bool end = i >= size || uri[i] == '?' || uri[i] == '#';
    if (i > begin) seg[n++] = uri.substr(begin, i - begin);
    begin = i + 1;
    if (end) break;
  }
  if (n < 2) return;
  std::string_view collection = seg[0];
  bool known = false;
  switch (collection.size()) {  // by length first: one comparison, not eight
    case 4:
      known = EqualsIgnoreCase(collection, "keys");
      break;
    case 7:
      known = EqualsIgnoreCase(collection, "secrets") || EqualsIgnoreCase(collection, "storage");
      break;
    case 11:
      known = EqualsIgnoreCase(collection, "deletedkeys");
      break;
    case 12:
      known = EqualsIgnoreCase(collection, "certificates");
      break;
    case 14:
      known = EqualsIgnoreCase(collection, "deletedsecrets") ||
              EqualsIgnoreCase(collection, "deletedstorage");
      break;
    case 19:
      known = EqualsIgnoreCase(collection, "deletedcertificates");
      break;
    default:
      break;
  }
  if (!known) return;
  int name_at = 1;
  // certificates/issuers/NAME and certificates/contacts name a sub-resource, not a certificate.
  if (EqualsIgnoreCase(collection, "certificates") && EqualsIgnoreCase(seg[1], "issuers")) {
    if (n < 3) return;
    name_at = 2;
  }
  std::string* name = e->mutable_target_name();
  name->clear();
  AppendLower(seg[name_at], name);
  if (name_at + 1 < n) {
    std::string_view version = seg[name_at + 1];
    // In a request URI the segment after the name may be an action (".../backup", ".../create");
    // object versions are 32 hex digits.
    if (!is_request_uri || (version.size() == 32 && IsHex(version)))
      e->mutable_target_version()->assign(version);
  }
}

bool ParseIp(std::string_view text, std::string* bytes) {
  unsigned char v4[4];
  if (text.size() < 64 && ParseIpv4(text, v4)) {  // the usual case; the rules below agree
    bytes->assign(reinterpret_cast<const char*>(v4), 4);
    return true;
  }
  bytes->clear();
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty() || text.size() >= 64) return false;
  if (text.front() == '[') {  // "[v6]" or "[v6]:port"
    size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    text = text.substr(1, close - 1);
  }
  size_t colons = 0, first_colon = 0;
  bool dot = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ':') {
      if (colons++ == 0) first_colon = i;
    } else if (text[i] == '.') {
      dot = true;
    }
  }
  if (colons == 1 && dot) text = text.substr(0, first_colon);  // "v4:port"
  unsigned char out[16];
  if (colons == 0 || (colons == 1 && dot)) {
    if (!ParseIpv4(text, out)) return false;
    bytes->assign(reinterpret_cast<const char*>(out), 4);
    return true;
  }
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(AF_INET6, buf, out) != 1) return false;
  bytes->assign(reinterpret_cast<const char*>(out), 16);
  return true;
}

bool ParseDecimal(std::string_view text, int64_t* out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  bool neg = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    neg = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 18) return false;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = neg ? -v : v;
  return true;
}

}  // namespace vw::ingest
