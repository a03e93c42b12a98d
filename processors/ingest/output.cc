// Routing keys and the JSON rendering of an AccessEvent (what `vaultwatch normalize` prints).
#include <arpa/inet.h>

#include <cstdio>

#include "base/json_escape.h"
#include "base/time_format.h"
#include "processors/ingest/ingest.h"

namespace vw::ingest {
namespace {

class JsonObject {
 public:
  explicit JsonObject(std::string* out) : out_(out) { out_->push_back('{'); }
  void Str(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(out_, value);
  }
  void Int(std::string_view key, int64_t value) {
    Key(key);
    out_->append(std::to_string(value));
  }
  void Tri(std::string_view key, vw::v1::TriState t) {
    Key(key);
    out_->append(t == vw::v1::TRI_STATE_TRUE    ? "true"
                 : t == vw::v1::TRI_STATE_FALSE ? "false"
                                                : "null");
  }
  void StrList(std::string_view key, const google::protobuf::RepeatedPtrField<std::string>& list) {
    Key(key);
    out_->push_back('[');
    bool first = true;
    for (const std::string& s : list) {
      if (!first) out_->push_back(',');
      first = false;
      AppendJsonString(out_, s);
    }
    out_->push_back(']');
  }
  void Raw(std::string_view key, std::string_view json) {
    Key(key);
    out_->append(json);
  }
  void Close() { out_->push_back('}'); }

 private:
  void Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendJsonString(out_, key);
    out_->push_back(':');
  }
  std::string* out_;
  bool first_ = true;
};

std::string_view VaultKindName(vw::v1::VaultKind k) {
  switch (k) {
    case vw::v1::VAULT_KIND_KEY_VAULT:
      return "vault";
    case vw::v1::VAULT_KIND_MANAGED_HSM:
      return "managed_hsm";
    default:
      return "unknown";
  }
}

std::string_view ObjectTypeName(vw::v1::ObjectType t) {
  switch (t) {
    case vw::v1::OBJECT_TYPE_VAULT:
      return "vault";
    case vw::v1::OBJECT_TYPE_SECRET:
      return "secret";
    case vw::v1::OBJECT_TYPE_KEY:
      return "key";
    case vw::v1::OBJECT_TYPE_CERTIFICATE:
      return "certificate";
    case vw::v1::OBJECT_TYPE_AUTHENTICATION:
      return "authentication";
    case vw::v1::OBJECT_TYPE_HSM:
      return "hsm";
    case vw::v1::OBJECT_TYPE_STORAGE:
      return "storage";
    case vw::v1::OBJECT_TYPE_OTHER:
      return "other";
    default:
      return "unspecified";
  }
}

}  // namespace

std::string_view OutcomeName(vw::v1::Outcome outcome) {
  switch (outcome) {
    case vw::v1::OUTCOME_SUCCESS:
      return "success";
    case vw::v1::OUTCOME_DENIED:
      return "denied";
    case vw::v1::OUTCOME_NOT_FOUND:
      return "not_found";
    case vw::v1::OUTCOME_BAD_REQUEST:
      return "bad_request";
    case vw::v1::OUTCOME_THROTTLED:
      return "throttled";
    case vw::v1::OUTCOME_ERROR:
      return "error";
    case vw::v1::OUTCOME_AUTH_CHALLENGE:
      return "auth_challenge";
    default:
      return "unspecified";
  }
}

std::string_view IdentityTypeName(vw::v1::IdentityType type) {
  switch (type) {
    case vw::v1::IDENTITY_TYPE_USER:
      return "user";
    case vw::v1::IDENTITY_TYPE_SERVICE_PRINCIPAL:
      return "service_principal";
    case vw::v1::IDENTITY_TYPE_USER_AND_APP:
      return "user_and_app";
    default:
      return "unknown";
  }
}

std::string FormatIp(std::string_view bytes) {
  char buf[INET6_ADDRSTRLEN];
  if (bytes.size() == 4) {
    if (inet_ntop(AF_INET, bytes.data(), buf, sizeof(buf)) != nullptr) return buf;
  } else if (bytes.size() == 16) {
    if (inet_ntop(AF_INET6, bytes.data(), buf, sizeof(buf)) != nullptr) return buf;
  }
  return {};
}

std::string VaultKey(const vw::v1::AccessEvent& e) { return e.vault_id(); }

std::string CallerKey(const vw::v1::AccessEvent& e) {
  const vw::v1::Caller& c = e.caller();
  if (!c.object_id().empty()) return c.object_id();
  if (!c.app_id().empty()) return c.app_id();
  if (!c.ip().empty()) return FormatIp(c.ip());
  return c.ip_text();
}

std::string_view CallerKeyView(const vw::v1::AccessEvent& e, std::string* buf) {
  const vw::v1::Caller& c = e.caller();
  if (!c.object_id().empty()) return c.object_id();
  if (!c.app_id().empty()) return c.app_id();
  *buf = CallerKey(e);
  return *buf;
}

void ClearForReuse(vw::v1::AccessEvent* e) {
  vw::v1::Caller* caller = e->has_caller() ? e->release_caller() : nullptr;
  vw::v1::SourcePosition* source = e->has_source() ? e->release_source() : nullptr;
  e->Clear();
  if (caller != nullptr) {
    caller->Clear();
    e->set_allocated_caller(caller);
  }
  if (source != nullptr) {
    source->Clear();
    e->set_allocated_source(source);
  }
}

std::string NormalizedJson(const vw::v1::AccessEvent& e) {
  std::string out;
  out.reserve(768);
  JsonObject o(&out);
  o.Str("time", FormatRfc3339(EventTime::FromMicros(e.time_us())));
  o.Str("vaultId", e.vault_id());
  o.Str("vaultName", e.vault_name());
  o.Str("vaultKind", VaultKindName(e.vault_kind()));
  o.Str("subscription", e.subscription_id());
  o.Str("resourceGroup", e.resource_group());
  o.Str("operation", e.operation_name());
  o.Str("operationEnum", vw::v1::Operation_Name(e.operation()));
  o.Str("objectType", ObjectTypeName(e.object_type()));
  o.Str("outcome", OutcomeName(e.outcome()));
  o.Int("httpStatus", e.http_status());
  o.Str("resultSignature", e.result_signature());
  const vw::v1::Caller& c = e.caller();
  o.Str("objectId", c.object_id());
  o.Str("upn", c.upn());
  o.Str("appId", c.app_id());
  o.Str("tenantId", c.tenant_id());
  o.Str("identityType", IdentityTypeName(c.identity_type()));
  o.Str("ip", c.ip().empty() ? std::string() : FormatIp(c.ip()));
  o.Str("ipText", c.ip_text());
  o.Str("clientInfo", e.client_info());
  o.Str("requestUri", e.request_uri());
  o.Str("target", e.target_name());
  o.Str("targetVersion", e.target_version());
  o.Str("correlationId", e.correlation_id());
  o.Int("durationMs", e.duration_ms());
  o.Tri("isAccessPolicyMatch", e.is_access_policy_match());
  o.Tri("isRbacAuthorized", e.is_rbac_authorized());
  if (e.has_policy_change()) {
    std::string pc;
    JsonObject p(&pc);
    p.StrList("addedObjectIds", e.policy_change().added_object_ids());
    p.StrList("removedObjectIds", e.policy_change().removed_object_ids());
    p.StrList("addedPermissions", e.policy_change().added_permissions());
    p.StrList("removedPermissions", e.policy_change().removed_permissions());
    p.Close();
    o.Raw("policyChange", pc);
  }
  o.Str("category", e.category());
  std::string src;
  JsonObject s(&src);
  s.Str("source", e.source().source());
  s.Int("partition", e.source().partition());
  s.Int("offset", e.source().offset());
  s.Int("index", e.source().index());
  s.Close();
  o.Raw("source", src);
  o.Close();
  return out;
}

}  // namespace vw::ingest
