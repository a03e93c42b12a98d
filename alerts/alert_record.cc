#include "alerts/alert_record.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "base/ascii.h"
#include "base/time_format.h"

namespace vw::alerts {
namespace {

std::string Field(simdjson::dom::object o, const char* key) {
  std::string_view v;
  if (o[key].get_string().get(v) != simdjson::SUCCESS) return "";
  return std::string(v);
}

Status ParseTimeField(simdjson::dom::object o, const char* key, int64_t* out) {
  std::string v = Field(o, key);
  if (v.empty()) return Status::InvalidArgument(std::string("alert: '") + key + "' missing");
  Result<EventTime> t = ParseRfc3339(v);
  if (!t.ok()) return Status::InvalidArgument(std::string("alert: '") + key + "' is not a time");
  *out = t->micros();
  return Status::OK();
}

// Account and ip entities of the Defender shape ({"Type":"account","AadUserId",...}): the
// Defender rendering's "Entities" and the ECS rendering's "vaultwatch.entities".
void TakeDefenderEntities(simdjson::dom::array entities, AlertRecord* a) {
  for (simdjson::dom::element e : entities) {
    simdjson::dom::object eo;
    if (e.get_object().get(eo) != simdjson::SUCCESS) continue;
    std::string type = Field(eo, "Type");
    if (type == "account") {
      for (const char* k : {"AadUserId", "AppId", "Upn"}) {
        std::string v = AsciiLower(Field(eo, k));
        if (!v.empty()) a->accounts.push_back(v);
      }
    } else if (type == "ip") {
      std::string v = Field(eo, "Address");
      if (!v.empty()) a->ips.push_back(v);
    }
  }
}

Status ParseDefender(simdjson::dom::object o, AlertRecord* a) {
  a->id = Field(o, "SystemAlertId");
  a->type = Field(o, "AlertType");
  if (a->id.empty() || a->type.empty()) {
    return Status::InvalidArgument("alert: 'SystemAlertId' or 'AlertType' missing");
  }
  a->display_name = Field(o, "AlertDisplayName");
  a->severity = Field(o, "Severity");
  a->description = Field(o, "Description");
  a->azure_resource_id = AsciiLower(Field(o, "AzureResourceId"));
  a->compromised_entity = AsciiLower(Field(o, "CompromisedEntity"));
  VW_RETURN_IF_ERROR(ParseTimeField(o, "StartTimeUtc", &a->start_us));
  VW_RETURN_IF_ERROR(ParseTimeField(o, "EndTimeUtc", &a->end_us));
  VW_RETURN_IF_ERROR(ParseTimeField(o, "TimeGenerated", &a->generated_us));
  simdjson::dom::object props;
  if (o["ExtendedProperties"].get_object().get(props) == simdjson::SUCCESS) {
    a->reasons = Field(props, "Alert Reasons");
  }
  simdjson::dom::array entities;
  if (o["Entities"].get_array().get(entities) == simdjson::SUCCESS) {
    TakeDefenderEntities(entities, a);
  }
  return Status::OK();
}

// An OCSF Detection Finding as processors/detectors/alert_formats.cc renders it
// (docs/alert-formats.md): times from the datetime profile's *_dt strings, what OCSF has no
// attribute for from `unmapped`.
Status ParseOcsf(simdjson::dom::object o, AlertRecord* a) {
  simdjson::dom::object info, unmapped;
  if (o["finding_info"].get_object().get(info) != simdjson::SUCCESS) {
    return Status::InvalidArgument("alert: OCSF 'finding_info' missing");
  }
  if (o["unmapped"].get_object().get(unmapped) != simdjson::SUCCESS) {
    return Status::InvalidArgument("alert: OCSF 'unmapped' missing (not written by vaultwatch)");
  }
  a->id = Field(info, "uid");
  a->type = Field(unmapped, "AlertType");
  if (a->id.empty() || a->type.empty()) {
    return Status::InvalidArgument("alert: 'finding_info.uid' or 'unmapped.AlertType' missing");
  }
  a->display_name = Field(info, "title");
  a->severity = Field(o, "severity");
  a->description = Field(info, "desc");
  a->azure_resource_id = AsciiLower(Field(unmapped, "AzureResourceId"));
  a->compromised_entity = AsciiLower(Field(unmapped, "CompromisedEntity"));
  VW_RETURN_IF_ERROR(ParseTimeField(o, "start_time_dt", &a->start_us));
  VW_RETURN_IF_ERROR(ParseTimeField(o, "end_time_dt", &a->end_us));
  VW_RETURN_IF_ERROR(ParseTimeField(o, "time_dt", &a->generated_us));
  simdjson::dom::object props;
  if (unmapped["ExtendedProperties"].get_object().get(props) == simdjson::SUCCESS) {
    a->reasons = Field(props, "Alert Reasons");
  }
  simdjson::dom::array evidences;
  if (o["evidences"].get_array().get(evidences) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : evidences) {
      simdjson::dom::object actor, user, endpoint;
      if (e["actor"].get_object().get(actor) == simdjson::SUCCESS) {
        bool has_user = actor["user"].get_object().get(user) == simdjson::SUCCESS;
        std::string uid = has_user ? AsciiLower(Field(user, "uid")) : "";
        std::string app = AsciiLower(Field(actor, "app_uid"));
        std::string upn = has_user ? AsciiLower(Field(user, "name")) : "";
        for (std::string* v : {&uid, &app, &upn}) {
          if (!v->empty()) a->accounts.push_back(std::move(*v));
        }
      } else if (e["src_endpoint"].get_object().get(endpoint) == simdjson::SUCCESS) {
        std::string ip = Field(endpoint, "ip");
        if (!ip.empty()) a->ips.push_back(ip);
      }
    }
  }
  return Status::OK();
}

// An ECS document as processors/detectors/alert_formats.cc renders it: the vaultwatch-specific
// fields under `vaultwatch`.
Status ParseEcs(simdjson::dom::object o, AlertRecord* a) {
  simdjson::dom::object event, rule, vw;
  if (o["event"].get_object().get(event) != simdjson::SUCCESS ||
      o["vaultwatch"].get_object().get(vw) != simdjson::SUCCESS) {
    return Status::InvalidArgument("alert: ECS 'event' or 'vaultwatch' missing");
  }
  a->id = Field(event, "id");
  a->type = Field(event, "code");
  if (a->id.empty() || a->type.empty()) {
    return Status::InvalidArgument("alert: 'event.id' or 'event.code' missing");
  }
  if (o["rule"].get_object().get(rule) == simdjson::SUCCESS) {
    a->display_name = Field(rule, "name");
    a->description = Field(rule, "description");
  }
  a->severity = Field(vw, "severity");
  a->reasons = Field(event, "reason");
  a->azure_resource_id = AsciiLower(Field(vw, "azure_resource_id"));
  a->compromised_entity = AsciiLower(Field(vw, "compromised_entity"));
  VW_RETURN_IF_ERROR(ParseTimeField(event, "start", &a->start_us));
  VW_RETURN_IF_ERROR(ParseTimeField(event, "end", &a->end_us));
  VW_RETURN_IF_ERROR(ParseTimeField(o, "@timestamp", &a->generated_us));
  simdjson::dom::array entities;
  if (vw["entities"].get_array().get(entities) == simdjson::SUCCESS) {
    TakeDefenderEntities(entities, a);
  }
  return Status::OK();
}

}  // namespace

Result<AlertRecord> ParseAlertJson(std::string_view line) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) {
    return Status::InvalidArgument("alert: not JSON");
  }
  simdjson::dom::object o;
  if (doc.get_object().get(o) != simdjson::SUCCESS) {
    return Status::InvalidArgument("alert: not a JSON object");
  }
  AlertRecord a;
  int64_t class_uid = 0;
  simdjson::dom::object ecs;
  if (o["class_uid"].get_int64().get(class_uid) == simdjson::SUCCESS) {
    if (class_uid != 2004) {
      return Status::InvalidArgument("alert: OCSF class_uid " + std::to_string(class_uid) +
                                     " is not a Detection Finding (2004)");
    }
    VW_RETURN_IF_ERROR(ParseOcsf(o, &a));
  } else if (o["ecs"].get_object().get(ecs) == simdjson::SUCCESS) {
    VW_RETURN_IF_ERROR(ParseEcs(o, &a));
  } else {
    VW_RETURN_IF_ERROR(ParseDefender(o, &a));
  }
  a.json = std::string(line);
  return a;
}

}  // namespace vw::alerts
