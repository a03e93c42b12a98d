#include "processors/detectors/alert_formats.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "base/json_escape.h"
#include "base/time_format.h"
#include "processors/detectors/alert.h"

namespace vw::detect {
namespace {

// A minimal streaming JSON writer: commas and nesting are tracked here so that the renderers
// read as the document they produce.
class JsonWriter {
 public:
  void Key(std::string_view k) {
    Separate();
    AppendJsonString(&out_, k);
    out_.push_back(':');
    after_key_ = true;
  }
  void Open(char c) {
    Value();
    out_.push_back(c);
    first_.push_back(true);
  }
  void Close(char c) {
    out_.push_back(c);
    first_.pop_back();
  }
  void Str(std::string_view v) {
    Value();
    AppendJsonString(&out_, v);
  }
  void Int(int64_t v) {
    Value();
    out_.append(std::to_string(v));
  }
  void Bool(bool v) {
    Value();
    out_.append(v ? "true" : "false");
  }

  void KStr(std::string_view k, std::string_view v) {
    Key(k);
    Str(v);
  }
  // Leaves out a key whose value is empty: OCSF and ECS both mean "absent" by a missing key.
  void KStrOpt(std::string_view k, std::string_view v) {
    if (!v.empty()) KStr(k, v);
  }
  void KInt(std::string_view k, int64_t v) {
    Key(k);
    Int(v);
  }
  void KOpen(std::string_view k, char c) {
    Key(k);
    Open(c);
  }
  void KStrArray(std::string_view k, const std::vector<std::string>& values) {
    KOpen(k, '[');
    for (const std::string& v : values) Str(v);
    Close(']');
  }

  std::string Take() { return std::move(out_); }

 private:
  void Separate() {
    if (first_.empty()) return;
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
  void Value() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    Separate();
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

int64_t Millis(int64_t us) { return us >= 0 ? us / 1000 : -((-us + 999) / 1000); }

std::string Rfc3339(int64_t us) { return FormatRfc3339(EventTime::FromMicros(us)); }

// "/subscriptions/<id>/..." -> "<id>"; "" when the resource id has no subscription.
std::string SubscriptionOf(std::string_view resource_id) {
  constexpr std::string_view kPrefix = "/subscriptions/";
  if (resource_id.size() <= kPrefix.size()) return "";
  std::string head(resource_id.substr(0, kPrefix.size()));
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (head != kPrefix) return "";
  std::string_view rest = resource_id.substr(kPrefix.size());
  return std::string(rest.substr(0, rest.find('/')));
}

std::string_view LastSegment(std::string_view resource_id) {
  size_t slash = resource_id.rfind('/');
  return slash == std::string_view::npos ? resource_id : resource_id.substr(slash + 1);
}

std::vector<std::pair<std::string_view, std::string_view>> SortedProperties(const v1::Alert& a) {
  std::vector<std::pair<std::string_view, std::string_view>> props;
  props.reserve(a.extended_properties_size());
  for (const auto& [k, v] : a.extended_properties()) props.emplace_back(k, v);
  std::sort(props.begin(), props.end());
  return props;
}

std::string_view Reasons(const v1::Alert& a) {
  auto it = a.extended_properties().find("Alert Reasons");
  return it == a.extended_properties().end() ? std::string_view() : std::string_view(it->second);
}

std::vector<std::string> Intents(const v1::Alert& a) {
  return std::vector<std::string>(a.intent().begin(), a.intent().end());
}

// Defender-shaped entities ({"$id","Type",...}), as alert.cc renders them: ECS carries them
// under vaultwatch.entities so that nothing of the alert is lost.
void WriteDefenderEntities(const v1::Alert& a, JsonWriter* w) {
  w->Open('[');
  for (int i = 0; i < a.entities_size(); ++i) {
    const v1::AlertEntity& e = a.entities(i);
    w->Open('{');
    w->KStr("$id", std::to_string(i + 1));
    w->KStr("Type", e.type());
    w->KStrOpt("ResourceId", e.resource_id());
    w->KStrOpt("AadUserId", e.aad_user_id());
    w->KStrOpt("Upn", e.upn());
    w->KStrOpt("AppId", e.app_id());
    w->KStrOpt("Address", e.address());
    w->Close('}');
  }
  w->Close(']');
}

void WriteProperties(const v1::Alert& a, JsonWriter* w) {
  w->Open('{');
  for (const auto& [k, v] : SortedProperties(a)) w->KStr(k, v);
  w->Close('}');
}

// OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High.
int OcsfSeverityId(v1::Severity s) {
  switch (s) {
    case v1::SEVERITY_LOW:
      return 2;
    case v1::SEVERITY_MEDIUM:
      return 3;
    case v1::SEVERITY_HIGH:
      return 4;
    default:
      return 1;
  }
}

// ECS event.severity is numeric and source-defined; these are the values Elastic's own detection
// rules use for low, medium and high, so that vaultwatch alerts sort among theirs.
int EcsSeverity(v1::Severity s) {
  switch (s) {
    case v1::SEVERITY_LOW:
      return 21;
    case v1::SEVERITY_MEDIUM:
      return 47;
    case v1::SEVERITY_HIGH:
      return 73;
    default:
      return 1;
  }
}

// OCSF analytic.type_id: 1 Rule (threat intel, fixed operations, static thresholds),
// 2 Behavioral (learned per-entity baselines), 3 Statistical (the daily time-series trend).
std::pair<int, std::string_view> AnalyticType(std::string_view alert_type) {
  if (alert_type == "KV_AccessTimeSeriesAnomaly") return {3, "Statistical"};
  static constexpr std::string_view kRules[] = {"KV_SuspiciousIPAccess",
                                                "KV_SuspiciousIPAccessDenied", "KV_TORAccess",
                                                "KV_SensitiveOperation", "KV_AccessPolicyFlip"};
  for (std::string_view r : kRules) {
    if (r == alert_type) return {1, "Rule"};
  }
  return {2, "Behavioral"};
}

void WriteOcsfTime(JsonWriter* w, std::string_view key, int64_t us) {
  w->KInt(key, Millis(us));
  w->KStr(std::string(key) + "_dt", Rfc3339(us));
}

}  // namespace

MitreTactic TacticOf(std::string_view intent) {
  static constexpr std::pair<std::string_view, MitreTactic> kTactics[] = {
      {"InitialAccess", {"TA0001", "Initial Access"}},
      {"Persistence", {"TA0003", "Persistence"}},
      {"PrivilegeEscalation", {"TA0004", "Privilege Escalation"}},
      {"DefenseEvasion", {"TA0005", "Defense Evasion"}},
      {"CredentialAccess", {"TA0006", "Credential Access"}},
      {"Discovery", {"TA0007", "Discovery"}},
      {"Collection", {"TA0009", "Collection"}},
      {"Exfiltration", {"TA0010", "Exfiltration"}},
      {"Impact", {"TA0040", "Impact"}},
  };
  for (const auto& [name, tactic] : kTactics) {
    if (name == intent) return tactic;
  }
  return {};
}

Result<AlertFormat> ParseAlertFormat(std::string_view name) {
  if (name == "defender") return AlertFormat::kDefender;
  if (name == "ocsf") return AlertFormat::kOcsf;
  if (name == "ecs") return AlertFormat::kEcs;
  return Status::InvalidArgument("alert format '" + std::string(name) +
                                 "' is not one of defender, ocsf, ecs");
}

std::string_view AlertFormatName(AlertFormat format) {
  switch (format) {
    case AlertFormat::kOcsf:
      return "ocsf";
    case AlertFormat::kEcs:
      return "ecs";
    case AlertFormat::kDefender:
      break;
  }
  return "defender";
}

std::string RenderAlert(const v1::Alert& alert, AlertFormat format) {
  switch (format) {
    case AlertFormat::kOcsf:
      return AlertOcsfJson(alert);
    case AlertFormat::kEcs:
      return AlertEcsJson(alert);
    case AlertFormat::kDefender:
      break;
  }
  return AlertJson(alert);
}

std::string AlertOcsfJson(const v1::Alert& a) {
  JsonWriter w;
  w.Open('{');
  // The required attributes of the base event and of Detection Finding first.
  w.KInt("activity_id", 1);
  w.KStr("activity_name", "Create");
  w.KInt("category_uid", 2);
  w.KStr("category_name", "Findings");
  w.KInt("class_uid", 2004);
  w.KStr("class_name", "Detection Finding");
  w.KInt("type_uid", 200401);
  w.KStr("type_name", "Detection Finding: Create");
  w.KInt("severity_id", OcsfSeverityId(a.severity()));
  w.KStr("severity", SeverityName(a.severity()));
  WriteOcsfTime(&w, "time", a.generated_time_us());
  w.KOpen("metadata", '{');
  w.KStr("version", "1.1.0");
  w.KStrArray("profiles", {"cloud", "datetime"});
  w.KOpen("product", '{');
  w.KStr("name", "vaultwatch");
  w.KStr("vendor_name", "vaultwatch");
  w.Close('}');
  w.Close('}');
  w.KOpen("finding_info", '{');
  w.KStr("uid", a.system_alert_id());
  w.KStr("title", a.display_name());
  w.KStr("desc", a.description());
  w.KStrArray("types", {a.alert_type()});
  w.KOpen("analytic", '{');
  auto [analytic_type_id, analytic_type] = AnalyticType(a.alert_type());
  w.KStr("uid", a.alert_type());
  w.KStr("name", a.alert_type());
  w.KInt("type_id", analytic_type_id);
  w.KStr("type", analytic_type);
  w.Close('}');
  w.KOpen("attacks", '[');
  for (const std::string& intent : a.intent()) {
    MitreTactic t = TacticOf(intent);
    if (t.id.empty()) continue;
    w.Open('{');
    w.KOpen("tactic", '{');
    w.KStr("uid", t.id);
    w.KStr("name", t.name);
    w.Close('}');
    w.Close('}');
  }
  w.Close(']');
  WriteOcsfTime(&w, "created_time", a.generated_time_us());
  WriteOcsfTime(&w, "first_seen_time", a.start_time_us());
  WriteOcsfTime(&w, "last_seen_time", a.end_time_us());
  w.Close('}');
  // Recommended and optional attributes.
  w.KStr("message", a.display_name());
  w.KInt("status_id", 1);
  w.KStr("status", "New");
  WriteOcsfTime(&w, "start_time", a.start_time_us());
  WriteOcsfTime(&w, "end_time", a.end_time_us());
  w.KOpen("cloud", '{');
  w.KStr("provider", "Azure");
  if (std::string sub = SubscriptionOf(a.azure_resource_id()); !sub.empty()) {
    w.KOpen("account", '{');
    w.KStr("uid", sub);
    w.KStr("type", "Azure AD Account");
    w.KInt("type_id", 6);
    w.Close('}');
  }
  w.Close('}');
  w.KOpen("resources", '[');
  std::vector<std::string_view> resources;
  if (!a.azure_resource_id().empty()) resources.push_back(a.azure_resource_id());
  for (const v1::AlertEntity& e : a.entities()) {
    if (e.type() == "azure-resource" && !e.resource_id().empty() &&
        std::find(resources.begin(), resources.end(), e.resource_id()) == resources.end()) {
      resources.push_back(e.resource_id());
    }
  }
  for (std::string_view r : resources) {
    w.Open('{');
    w.KStr("uid", r);
    w.KStr("name", LastSegment(r));
    w.KStr("type", "Microsoft.KeyVault/vaults");
    w.Close('}');
  }
  w.Close(']');
  w.KOpen("evidences", '[');
  for (const v1::AlertEntity& e : a.entities()) {
    if (e.type() == "account") {
      w.Open('{');
      w.KOpen("actor", '{');
      if (!e.aad_user_id().empty() || !e.upn().empty()) {
        w.KOpen("user", '{');
        w.KStrOpt("uid", e.aad_user_id());
        w.KStrOpt("name", e.upn());
        w.Close('}');
      }
      w.KStrOpt("app_uid", e.app_id());
      w.Close('}');
      w.Close('}');
    } else if (e.type() == "ip" && !e.address().empty()) {
      w.Open('{');
      w.KOpen("src_endpoint", '{');
      w.KStr("ip", e.address());
      w.Close('}');
      w.Close('}');
    }
  }
  w.Close(']');
  w.KOpen("remediation", '{');
  std::string steps;
  for (const std::string& s : a.remediation_steps()) {
    if (!steps.empty()) steps.push_back(' ');
    steps.append(s);
  }
  w.KStr("desc", steps);
  w.Close('}');
  // What OCSF has no attribute for, under the names of the Defender rendering.
  w.KOpen("unmapped", '{');
  w.KStr("AlertType", a.alert_type());
  w.KStr("AzureResourceId", a.azure_resource_id());
  w.KStr("CompromisedEntity", a.compromised_entity());
  w.KStrArray("Intent", Intents(a));
  w.Key("ExtendedProperties");
  WriteProperties(a, &w);
  w.KStrArray("RemediationSteps",
              std::vector<std::string>(a.remediation_steps().begin(), a.remediation_steps().end()));
  w.Close('}');
  w.Close('}');
  return w.Take();
}

std::string AlertEcsJson(const v1::Alert& a) {
  JsonWriter w;
  w.Open('{');
  w.KStr("@timestamp", Rfc3339(a.generated_time_us()));
  w.KOpen("ecs", '{');
  w.KStr("version", "8.11.0");
  w.Close('}');
  w.KStr("message", a.display_name());
  w.KOpen("event", '{');
  w.KStr("kind", "alert");
  w.KStrArray("category", {"intrusion_detection"});
  w.KStrArray("type", {"info"});
  w.KStr("id", a.system_alert_id());
  w.KStr("code", a.alert_type());
  w.KInt("severity", EcsSeverity(a.severity()));
  w.KStr("start", Rfc3339(a.start_time_us()));
  w.KStr("end", Rfc3339(a.end_time_us()));
  w.KStr("created", Rfc3339(a.generated_time_us()));
  w.KStr("provider", "vaultwatch");
  w.KStr("module", "vaultwatch");
  w.KStr("dataset", "vaultwatch.alerts");
  w.KStrOpt("reason", Reasons(a));
  w.Close('}');
  w.KOpen("rule", '{');
  w.KStr("id", a.alert_type());
  w.KStr("name", a.display_name());
  w.KStr("description", a.description());
  w.KStr("ruleset", "vaultwatch");
  w.Close('}');
  std::vector<std::string> tactic_ids, tactic_names, tactic_refs;
  for (const std::string& intent : a.intent()) {
    MitreTactic t = TacticOf(intent);
    if (t.id.empty()) continue;
    tactic_ids.emplace_back(t.id);
    tactic_names.emplace_back(t.name);
    tactic_refs.push_back("https://attack.mitre.org/tactics/" + std::string(t.id) + "/");
  }
  if (!tactic_ids.empty()) {
    w.KOpen("threat", '{');
    w.KStr("framework", "MITRE ATT&CK");
    w.KOpen("tactic", '{');
    w.KStrArray("id", tactic_ids);
    w.KStrArray("name", tactic_names);
    w.KStrArray("reference", tactic_refs);
    w.Close('}');
    w.Close('}');
  }
  w.KOpen("cloud", '{');
  w.KStr("provider", "azure");
  w.KOpen("service", '{');
  w.KStr("name", "keyvault");
  w.Close('}');
  if (std::string sub = SubscriptionOf(a.azure_resource_id()); !sub.empty()) {
    w.KOpen("account", '{');
    w.KStr("id", sub);
    w.Close('}');
  }
  w.Close('}');
  w.KOpen("observer", '{');
  w.KStr("vendor", "vaultwatch");
  w.KStr("product", "vaultwatch");
  w.KStr("type", "ids");
  w.Close('}');
  // user.* and source.ip hold the first account and address; related.* holds all of them, which
  // is what Elastic's pivots search.
  std::vector<std::string> users, ips;
  const v1::AlertEntity* first_account = nullptr;
  for (const v1::AlertEntity& e : a.entities()) {
    if (e.type() == "account") {
      if (first_account == nullptr) first_account = &e;
      for (const std::string* v : {&e.aad_user_id(), &e.upn(), &e.app_id()}) {
        if (!v->empty() && std::find(users.begin(), users.end(), *v) == users.end()) {
          users.push_back(*v);
        }
      }
    } else if (e.type() == "ip" && !e.address().empty() &&
               std::find(ips.begin(), ips.end(), e.address()) == ips.end()) {
      ips.push_back(e.address());
    }
  }
  if (first_account != nullptr &&
      (!first_account->aad_user_id().empty() || !first_account->upn().empty())) {
    w.KOpen("user", '{');
    w.KStrOpt("id", first_account->aad_user_id());
    w.KStrOpt("name", first_account->upn());
    w.Close('}');
  }
  if (!ips.empty()) {
    w.KOpen("source", '{');
    w.KStr("ip", ips.front());
    w.Close('}');
  }
  if (!users.empty() || !ips.empty()) {
    w.KOpen("related", '{');
    if (!users.empty()) w.KStrArray("user", users);
    if (!ips.empty()) w.KStrArray("ip", ips);
    w.Close('}');
  }
  w.KOpen("vaultwatch", '{');
  w.KStr("severity", SeverityName(a.severity()));
  w.KStrArray("intent", Intents(a));
  w.KStr("azure_resource_id", a.azure_resource_id());
  w.KStr("compromised_entity", a.compromised_entity());
  w.Key("entities");
  WriteDefenderEntities(a, &w);
  w.Key("extended_properties");
  WriteProperties(a, &w);
  w.KStrArray("remediation_steps",
              std::vector<std::string>(a.remediation_steps().begin(), a.remediation_steps().end()));
  w.Close('}');
  w.Close('}');
  return w.Take();
}

}  // namespace vw::detect
