#include "processors/ingest/claims.h"

namespace vw::ingest {

void DeriveCaller(const ClaimViews& claims, vw::v1::Caller* caller) {
  std::string_view upn = !claims.upn.empty()           ? claims.upn
                         : !claims.unique_name.empty() ? claims.unique_name
                                                       : std::string_view();
  if (upn.empty() && claims.name.find('@') != std::string_view::npos) upn = claims.name;
  if (!upn.empty()) AppendLower(upn, caller->mutable_upn());
  caller->set_identity_type(DeriveIdentityType(!caller->upn().empty(), !caller->app_id().empty(),
                                               !caller->object_id().empty(), claims.idtyp));
  if (caller->ip_text().empty() && !claims.ipaddr.empty()) {
    caller->mutable_ip_text()->assign(claims.ipaddr);
    ParseIp(claims.ipaddr, caller->mutable_ip());
  }
}

}  // namespace vw::ingest
