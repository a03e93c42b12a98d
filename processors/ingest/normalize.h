// Pure normalisation rules used by the Ingestor: operation names, outcomes, identity types,
// resource ids, object targets and IP addresses. No JSON here: each function takes the field text
// already extracted, so the rules are unit-tested on their own. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vw/v1/access_event.pb.h"

namespace vw::ingest {

// ASCII case-insensitive equality (JSON keys and Azure names vary in casing). Inline: it runs for
// most keys of every record.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x == y) continue;
    if ((x | 0x20) != (y | 0x20)) return false;
    char lower = static_cast<char>(x | 0x20);
    if (lower < 'a' || lower > 'z') return false;  // only letters differ by the case bit
  }
  return true;
}
// Appends `s` lower-cased (ASCII) to `out`.
void AppendLower(std::string_view s, std::string* out);

struct OperationInfo {
  vw::v1::Operation operation;
  vw::v1::ObjectType object_type;
};
// Known names map to their enum (case-insensitively); unknown ones to OPERATION_UNKNOWN with the
// object type guessed from the name's prefix ("Secret...", "Key...", ...).
OperationInfo LookupOperation(std::string_view name);
// Azure's name of an operation ("SecretGet" for OP_SECRET_GET; the first of the table's names
// when Azure has two), for text people read (alert reasons); the enum's own name when Azure has
// none (OPERATION_UNKNOWN).
std::string_view AzureOperationName(vw::v1::Operation operation);

// The outcome from the HTTP status (0 = absent) and resultSignature, never from resultType.
// The status wins when both are present (resultSignature is its text rendering); a 401 on
// Authentication is the normal token challenge, any other 401/403 a denial.
vw::v1::Outcome DeriveOutcome(int http_status, std::string_view result_signature,
                              vw::v1::Operation operation);

// Identity type from the claims present. `idtyp` is the optional JWT claim ("app" / "user").
vw::v1::IdentityType DeriveIdentityType(bool has_upn, bool has_app_id, bool has_object_id,
                                        std::string_view idtyp);

// Fills vault_id (lower-case), vault_name, subscription_id, resource_group and vault_kind from an
// ARM resource id such as /SUBSCRIPTIONS/x/RESOURCEGROUPS/y/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/z.
// Redacted or partial ids still yield what can be found (the name is the last segment).
void ParseResourceId(std::string_view resource_id, vw::v1::AccessEvent* e);

// The object acted on, from properties.id ("https://v.vault.azure.net/secrets/NAME/VERSION") or,
// failing that, the request URI (where a third segment is a version only if it looks like one).
// Sets target_name (lower-case) and target_version; leaves them empty for vault-level ids.
void ParseTarget(std::string_view uri, bool is_request_uri, vw::v1::AccessEvent* e);

// Parses an IPv4 or IPv6 address (also "[v6]" and "v4:port") into 4 or 16 bytes; false if not an
// address (Azure writes placeholders such as "X.X.X.X").
bool ParseIp(std::string_view text, std::string* bytes);

// Parses a decimal integer (optionally surrounded by spaces); false on anything else.
bool ParseDecimal(std::string_view text, int64_t* out);

}  // namespace vw::ingest
