// Test support for the detector tests: an AccessEvent as ingest would produce it, from a plain
// description. Each test file describes events with its own struct (its own defaults); any struct
// with these fields will do.
#pragma once

#include <string>

#include "processors/detectors/ip_set.h"
#include "vw/v1/access_event.pb.h"

namespace vw::detect::test_support {

// `E` has: t (event time, us), vault, op (operation name), code (v1::Operation), object
// (v1::ObjectType), oid, upn, app, ip, outcome (v1::Outcome), target.
template <typename E>
v1::AccessEvent MakeEvent(const E& e) {
  v1::AccessEvent a;
  a.set_time_us(e.t);
  a.set_vault_id("/subscriptions/s1/resourcegroups/rg/providers/microsoft.keyvault/vaults/" +
                 e.vault);
  a.set_vault_name(e.vault);
  a.set_operation(e.code);
  a.set_operation_name(e.op);
  a.set_object_type(e.object);
  a.set_outcome(e.outcome);
  a.set_http_status(e.outcome == v1::OUTCOME_SUCCESS ? 200 : 403);
  a.set_result_signature(e.outcome == v1::OUTCOME_SUCCESS ? "OK" : "Forbidden");
  a.mutable_caller()->set_object_id(e.oid);
  a.mutable_caller()->set_upn(e.upn);
  a.mutable_caller()->set_app_id(e.app);
  a.mutable_caller()->set_identity_type(
      e.upn.empty() ? v1::IDENTITY_TYPE_SERVICE_PRINCIPAL
                    : (e.app.empty() ? v1::IDENTITY_TYPE_USER : v1::IDENTITY_TYPE_USER_AND_APP));
  a.mutable_caller()->set_ip_text(e.ip);
  a.mutable_caller()->set_ip(ParseIp(e.ip).value());
  a.set_target_name(e.target);
  a.set_correlation_id("c-" + std::to_string(e.t));
  return a;
}

}  // namespace vw::detect::test_support
