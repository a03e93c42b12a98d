#include "processors/detectors/alert.h"

#include <algorithm>
#include <cstdio>

#include "base/check.h"
#include "base/hash.h"
#include "base/json_escape.h"
#include "base/time_format.h"

namespace vw::detect {
namespace {

using v1::SEVERITY_HIGH;
using v1::SEVERITY_LOW;
using v1::SEVERITY_MEDIUM;

const std::vector<AlertSpec>& Catalogue() {
  static const std::vector<AlertSpec> specs = {
      {"KV_SuspiciousIPAccess",
       "Access from a suspicious IP address to a key vault",
       "A key vault was successfully accessed from an IP address listed as suspicious by threat "
       "intelligence. The caller may be compromised or an attacker may be using stolen "
       "credentials.",
       SEVERITY_MEDIUM,
       {"CredentialAccess"},
       {"Verify that the access was expected; if not, rotate the secrets, keys and certificates "
        "the caller could read.",
        "Block the IP address with the key vault firewall (network ACLs) or a private endpoint.",
        "Review the caller's sign-ins and revoke its sessions or credentials."}},
      {"KV_SuspiciousIPAccessDenied",
       "Denied access from a suspicious IP address to a key vault",
       "A request from an IP address listed as suspicious by threat intelligence was denied by a "
       "key vault. Someone may be probing the vault with stolen or guessed credentials.",
       SEVERITY_LOW,
       {"CredentialAccess", "Discovery"},
       {"Block the IP address with the key vault firewall.",
        "Check whether the identity used is compromised and reset its credentials if so."}},
      {"KV_TORAccess",
       "Access from a TOR exit node to a key vault",
       "A key vault was accessed from a known TOR exit node. Attackers use TOR to hide their "
       "location; legitimate workloads rarely do.",
       SEVERITY_MEDIUM,
       {"CredentialAccess"},
       {"Verify with the caller's owner whether the access was legitimate.",
        "If not, rotate every secret, key and certificate the caller could access and revoke its "
        "credentials.",
        "Restrict the vault to trusted networks (firewall, private endpoint)."}},
      {"KV_UnusualAccessSuspiciousIP",
       "Unusual access to the key vault from a suspicious IP (Non-Microsoft or External)",
       "A caller that is normally seen only from Microsoft or internal addresses accessed a key "
       "vault from an external address. Its credentials may have been taken outside the "
       "environment.",
       SEVERITY_MEDIUM,
       {"CredentialAccess"},
       {"Confirm with the caller's owner whether it now legitimately runs from this address.",
        "If not, rotate the caller's credentials and the secrets it read.",
        "Restrict the vault to trusted networks."}},
      {"KV_UserAnomaly",
       "Unusual user accessed a key vault",
       "A user that was not seen on this key vault during its baseline accessed it.",
       SEVERITY_MEDIUM,
       {"CredentialAccess"},
       {"Verify that the user should access this vault; if not, remove its access policy or "
        "role assignment.",
        "Rotate the secrets the user read if the access was not authorised."}},
      {"KV_AppAnomaly",
       "Unusual application accessed a key vault",
       "A service principal that was not seen on this key vault during its baseline accessed it.",
       SEVERITY_MEDIUM,
       {"CredentialAccess"},
       {"Verify that the application should access this vault; if not, remove its access.",
        "Rotate the application's credentials and the secrets it read if the access was not "
        "authorised."}},
      {"KV_UserAppAnomaly",
       "Unusual user-application pair accessed a key vault",
       "A user and application pair that was not seen on this key vault during its baseline "
       "accessed it.",
       SEVERITY_MEDIUM,
       {"CredentialAccess"},
       {"Verify with the user whether they used this application to access the vault.",
        "If not, revoke the user's sessions and review the application's consent grants."}},
      {"KV_UserAccessDeniedAnomaly",
       "Unusual access denied - Unusual user accessing key vault denied",
       "A user without any successful history on this key vault was denied access to it. This may "
       "be reconnaissance with a compromised account.",
       SEVERITY_LOW,
       {"InitialAccess", "Discovery"},
       {"Check whether the user had a reason to access this vault.",
        "If not, investigate the account for compromise (sign-in logs, MFA changes)."}},
      {"KV_AccountVolumeAnomaly",
       "User accessed high volume of key vaults",
       "A caller accessed far more key vaults in 24 hours than in any day of its baseline. This "
       "may be an attacker enumerating vaults with stolen credentials.",
       SEVERITY_MEDIUM,
       {"CredentialAccess", "Discovery"},
       {"Verify with the caller's owner whether the activity was expected.",
        "If not, revoke the caller's credentials and rotate the secrets of the vaults it read."}},
      {"KV_AccountVolumeAccessDeniedAnomaly",
       "Unusual access denied - User accessing high volume of key vaults denied",
       "A caller was denied on far more key vaults in 24 hours than in its baseline: it may be "
       "probing for vaults it can read.",
       SEVERITY_LOW,
       {"Discovery"},
       {"Investigate the caller for compromise.",
        "Review which vaults it tried and whether any request succeeded."}},
      {"KV_OperationVolumeAnomaly",
       "High volume of operations in a key vault",
       "A key vault received far more operations in one hour than in the same hour of the day "
       "during its baseline.",
       SEVERITY_MEDIUM,
       {"CredentialAccess"},
       {"Identify the callers responsible for the increase (see the evidence).",
        "If the activity is not expected, revoke their access and rotate the secrets read."}},
      {"KV_OperationPatternAnomaly",
       "Unusual operation pattern in a key vault",
       "A caller with a long history on this key vault performed several operations it never "
       "performed there before.",
       SEVERITY_MEDIUM,
       {"CredentialAccess", "Persistence"},
       {"Verify with the caller's owner whether the new operations were expected.",
        "If not, revoke the caller's access and review the changes it made."}},
      {"KV_ListGetAnomaly",
       "Suspicious secret listing and query in a key vault",
       "A caller listed the secrets of a key vault and then read many of them in a short time, "
       "far above its usual reads: a typical secret-dumping pattern.",
       SEVERITY_MEDIUM,
       {"CredentialAccess"},
       {"Verify with the caller's owner whether the reads were expected.",
        "If not, rotate every secret that was read and revoke the caller's credentials."}},
      {"KV_PutGetAnomaly",
       "Suspicious policy change and secret query in a key vault",
       "A caller changed a key vault's access policy and then read secrets it had not read "
       "before: it may have granted itself access.",
       SEVERITY_HIGH,
       {"CredentialAccess", "PrivilegeEscalation"},
       {"Review and revert the access policy change if it was not authorised.",
        "Rotate the secrets read after the change and investigate the caller."}},
      {"KV_MassSecretRetrieval",
       "Mass secret retrieval from a key vault",
       "A caller retrieved many more secrets in one day than Sentinel's static threshold and its "
       "own daily norm.",
       SEVERITY_MEDIUM,
       {"CredentialAccess", "Collection"},
       {"Verify with the caller's owner whether the volume was expected.",
        "If not, rotate the secrets read and revoke the caller's credentials."}},
      {"KV_SensitiveOperation",
       "Sensitive operation on a key vault",
       "A key vault object or the vault itself was deleted, purged or backed up. These operations "
       "can destroy data or move secrets out of the vault.",
       SEVERITY_MEDIUM,
       {"Impact", "Exfiltration"},
       {"Verify that the operation was part of an approved change.",
        "If not, recover deleted objects (soft delete) and investigate the caller.",
        "Enable purge protection on the vault."}},
      {"KV_AccessPolicyFlip",
       "Key vault access policy added and removed within a short time",
       "An access policy was added to a key vault and removed again within minutes: an attacker "
       "may have granted access, used it and covered its tracks.",
       SEVERITY_MEDIUM,
       {"PrivilegeEscalation", "DefenseEvasion"},
       {"Review what the principal that was briefly granted access did in the meantime.",
        "Rotate the secrets it could read and investigate the caller that changed the policy."}},
      {"KV_AccessTimeSeriesAnomaly",
       "Unusual daily volume of reads in a key vault",
       "A key vault served far more reads in one day than its 14-day trend.",
       SEVERITY_LOW,
       {"CredentialAccess", "Collection"},
       {"Identify the callers behind the increase.",
        "If not expected, revoke their access and rotate the secrets read."}},
      {"KV_ExcessiveRetrieval",
       "Excessive secret retrieval in a short time",
       "A caller performed many reads of several kinds within one minute, more than it ever did "
       "in its baseline.",
       SEVERITY_LOW,
       {"CredentialAccess", "Collection"},
       {"Verify with the caller's owner whether the burst was expected.",
        "If not, rotate the secrets read and revoke the caller's credentials."}},
      {"KV_RareSecretAccess",
       "Caller read secrets it does not usually read",
       "A caller with an established history read secrets or keys (by name) it had not read "
       "during its baseline.",
       SEVERITY_LOW,
       {"CredentialAccess"},
       {"Verify with the caller's owner whether it needs these secrets.",
        "If not, remove its access to them and rotate them."}},
  };
  return specs;
}

// One FNV-1a step per part of an alert id (the id then goes through the splitmix64 finaliser):
// stable across platforms and builds.
uint64_t Fnv(uint64_t h, std::string_view s) {
  h = Fnv1a64(s, h);
  h ^= 0xff;  // separator, so ("ab","c") != ("a","bc")
  h *= kFnv1a64Prime;
  return h;
}

void Field(std::string* out, std::string_view key, std::string_view value) {
  AppendJsonString(out, key);
  out->push_back(':');
  AppendJsonString(out, value);
  out->push_back(',');
}

}  // namespace

const AlertSpec& SpecFor(std::string_view alert_type) {
  for (const AlertSpec& s : Catalogue()) {
    if (s.type == alert_type) return s;
  }
  VW_CHECK(false) << "unknown AlertType " << alert_type;
  __builtin_unreachable();
}

std::string_view SeverityName(v1::Severity s) {
  switch (s) {
    case v1::SEVERITY_INFORMATIONAL:
      return "Informational";
    case v1::SEVERITY_LOW:
      return "Low";
    case v1::SEVERITY_MEDIUM:
      return "Medium";
    case v1::SEVERITY_HIGH:
      return "High";
    default:
      return "Informational";
  }
}

std::string MakeAlertId(std::string_view alert_type, std::string_view entity_key,
                        int64_t window_start_us) {
  std::string ws = std::to_string(window_start_us);
  uint64_t a = Fnv(Fnv(Fnv(kFnv1a64Offset, alert_type), entity_key), ws);
  uint64_t b =
      Fnv(Fnv(Fnv(0x84222325cbf29ce4ULL ^ 0x9e3779b97f4a7c15ULL, ws), entity_key), alert_type);
  a = SplitMix64Finalize(a);
  b = SplitMix64Finalize(b ^ a);
  // RFC 9562 version 8 (custom) and variant bits, so it parses as a UUID everywhere.
  a = (a & ~0xf000ULL) | 0x8000ULL;
  b = (b & ~(0xc000000000000000ULL)) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string AlertJson(const v1::Alert& a) {
  std::string o;
  o.reserve(2048);
  o.push_back('{');
  Field(&o, "SystemAlertId", a.system_alert_id());
  Field(&o, "AlertType", a.alert_type());
  Field(&o, "AlertDisplayName", a.display_name());
  Field(&o, "Description", a.description());
  Field(&o, "Severity", SeverityName(a.severity()));
  std::string intent;
  for (int i = 0; i < a.intent_size(); ++i) {
    if (i > 0) intent.push_back(',');
    intent.append(a.intent(i));
  }
  Field(&o, "Intent", intent);
  Field(&o, "StartTimeUtc", FormatRfc3339(EventTime::FromMicros(a.start_time_us())));
  Field(&o, "EndTimeUtc", FormatRfc3339(EventTime::FromMicros(a.end_time_us())));
  Field(&o, "TimeGenerated", FormatRfc3339(EventTime::FromMicros(a.generated_time_us())));
  Field(&o, "ProductName", "vaultwatch");
  Field(&o, "VendorName", "vaultwatch");
  Field(&o, "Status", "New");
  Field(&o, "AzureResourceId", a.azure_resource_id());
  Field(&o, "CompromisedEntity", a.compromised_entity());
  o.append("\"Entities\":[");
  for (int i = 0; i < a.entities_size(); ++i) {
    const v1::AlertEntity& e = a.entities(i);
    if (i > 0) o.push_back(',');
    o.push_back('{');
    Field(&o, "$id", std::to_string(i + 1));
    AppendJsonString(&o, "Type");
    o.push_back(':');
    AppendJsonString(&o, e.type());
    auto opt = [&](std::string_view k, const std::string& v) {
      if (v.empty()) return;
      o.push_back(',');
      AppendJsonString(&o, k);
      o.push_back(':');
      AppendJsonString(&o, v);
    };
    opt("ResourceId", e.resource_id());
    opt("AadUserId", e.aad_user_id());
    opt("Upn", e.upn());
    opt("AppId", e.app_id());
    opt("Address", e.address());
    o.push_back('}');
  }
  o.append("],\"ExtendedProperties\":{");
  std::vector<std::pair<std::string_view, std::string_view>> props;
  props.reserve(a.extended_properties_size());
  for (const auto& [k, v] : a.extended_properties()) props.emplace_back(k, v);
  std::sort(props.begin(), props.end());
  for (size_t i = 0; i < props.size(); ++i) {
    if (i > 0) o.push_back(',');
    AppendJsonString(&o, props[i].first);
    o.push_back(':');
    AppendJsonString(&o, props[i].second);
  }
  o.append("},\"RemediationSteps\":[");
  for (int i = 0; i < a.remediation_steps_size(); ++i) {
    if (i > 0) o.push_back(',');
    AppendJsonString(&o, a.remediation_steps(i));
  }
  o.append("]}");
  return o;
}

}  // namespace vw::detect
