// The identity claims a record's caller is built from: one table of claim names, used by both
// readers (the fast path's FastClaims and the record reader's ReadClaims), and the rules that
// turn the claims of one record into caller fields. Internal to vw_ingest.
//
// Claims come as short JWT names (oid, upn, appid, ...), or as URIs whose last segment is the
// name (http://schemas.microsoft.com/identity/claims/objectidentifier); only the part after the
// last '/' decides. Claims not in the table are not read at all (nor checked for escapes).
#pragma once

#include <cstdint>
#include <string_view>

#include "processors/ingest/scan.h"
#include "vw/v1/access_event.pb.h"

namespace vw::ingest {

enum class Claim : uint8_t {
  kUnused,
  kObjectId,    // oid, objectidentifier
  kUpn,         // upn
  kTenantId,    // tid, tenantId
  kName,        // name (a UPN when it holds an '@')
  kAppId,       // appid
  kIdtyp,       // idtyp
  kIpaddr,      // ipaddr
  kUniqueName,  // unique_name
};

// The claim a key names (kUnused for any other).
VW_INGEST_INLINE Claim ClaimOf(std::string_view key) {
  // The part after the last '/': a plain backward loop, cheaper here than rfind's call.
  size_t name_at = key.size();
  while (name_at > 0 && key[name_at - 1] != '/') --name_at;
  std::string_view name = key.substr(name_at);
  switch (name.size()) {
    case 3:
      return KeyIs(name, "oid")   ? Claim::kObjectId
             : KeyIs(name, "upn") ? Claim::kUpn
             : KeyIs(name, "tid") ? Claim::kTenantId
                                  : Claim::kUnused;
    case 4:
      return KeyIs(name, "name") ? Claim::kName : Claim::kUnused;
    case 5:
      return KeyIs(name, "appid")   ? Claim::kAppId
             : KeyIs(name, "idtyp") ? Claim::kIdtyp
                                    : Claim::kUnused;
    case 6:
      return KeyIs(name, "ipaddr") ? Claim::kIpaddr : Claim::kUnused;
    case 8:
      return KeyIs(name, "tenantId") ? Claim::kTenantId : Claim::kUnused;
    case 11:
      return KeyIs(name, "unique_name") ? Claim::kUniqueName : Claim::kUnused;
    case 16:
      return KeyIs(name, "objectidentifier") ? Claim::kObjectId : Claim::kUnused;
    default:
      return Claim::kUnused;
  }
}

// Claims kept as views into the input until the record ends (member order is free: the caller's
// UPN, identity type and IP are derived once every member has been read).
struct ClaimViews {
  std::string_view idtyp, upn, unique_name, name, ipaddr;
};

// Stores one claim's string value: ids lower-cased into the caller (a later claim of the same
// kind replaces an earlier one), the rest into `views`.
VW_INGEST_INLINE void SetClaim(Claim which, std::string_view s, vw::v1::Caller* c,
                               ClaimViews* views) {
  switch (which) {
    case Claim::kObjectId:
      AssignLower(s, c->mutable_object_id());
      break;
    case Claim::kUpn:
      views->upn = s;
      break;
    case Claim::kTenantId:
      AssignLower(s, c->mutable_tenant_id());
      break;
    case Claim::kName:
      views->name = s;
      break;
    case Claim::kAppId:
      AssignLower(s, c->mutable_app_id());
      break;
    case Claim::kIdtyp:
      views->idtyp = s;
      break;
    case Claim::kIpaddr:
      views->ipaddr = s;
      break;
    case Claim::kUniqueName:
      views->unique_name = s;
      break;
    case Claim::kUnused:
      break;
  }
}

// The caller fields that depend on several claims: the UPN (upn, else unique_name, else a name
// holding an '@'), the identity type, and the IP from the ipaddr claim when callerIpAddress gave
// none.
void DeriveCaller(const ClaimViews& claims, vw::v1::Caller* caller);

}  // namespace vw::ingest
