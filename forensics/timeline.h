// Timeline: everything one entity (a vault, a caller or an IP) did in a time range, in event-time
// order, with the alerts that involved it marked in place, and summary counts by operation,
// outcome, IP and vault - `vaultwatch timeline`.
//
// An event belongs to the timeline when it matches the entity:
//  - vault: the lower-case resource id, or the vault name;
//  - caller: the routing key (object id, else app id, else IP), or the object id, app id or UPN;
//  - ip: the caller IP address as text.
// An alert involves the entity when it names it (AzureResourceId / CompromisedEntity for a vault,
// an account entity's AadUserId/AppId/Upn for a caller, an ip entity for an IP) and its
// [StartTimeUtc, EndTimeUtc] overlaps the range. An event is marked with an alert when the alert
// involves the entity, the event lies inside the alert's evidence span and it touches the alert's
// vault and (if the alert names one) its account.
//
// Rendering: table (aligned text for a terminal), json (one document), csv (one row per event or
// alert, `kind` column), html (one self-contained page: inline CSS, JS and SVG, no network; a chart
// of activity over time with alert markers, the summary and the event table).
//
// Memory: the summary counts every event; at most `max_rows` events are kept for the event table
// (the earliest ones; `truncated` says so). Not thread-safe (one build per call).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "forensics/alert_record.h"
#include "kafka/types.h"
#include "vw/v1/access_event.pb.h"

namespace vw::forensics {

enum class EntityKind { kVault, kCaller, kIp };

struct EntitySelector {
  EntityKind kind = EntityKind::kVault;
  std::string id;                // as given; matched case-insensitively (IPs as text)
  std::string KindName() const;  // "vault" | "caller" | "ip"
  bool Matches(const v1::AccessEvent& e) const;
  bool Involves(const AlertRecord& a) const;
};

struct TimelineEvent {
  int64_t time_us = 0;
  std::string operation, outcome, ip, vault_id, vault_name, caller, upn, app_id, target,
      correlation_id, source;
  int32_t http_status = 0;
  std::vector<int> alerts;  // indexes into Timeline::alerts
};

struct Timeline {
  EntitySelector entity;
  EventTime from, to;
  std::vector<TimelineEvent> events;  // time order (ties: input order)
  std::vector<AlertRecord> alerts;    // involving the entity, by TimeGenerated
  uint64_t total_events = 0;          // every matching event, also beyond max_rows
  bool truncated = false;
  std::map<std::string, uint64_t> by_operation, by_outcome, by_ip, by_vault;
  // Activity over time for the chart: bucket width and per-bucket counts (successes, others).
  Duration bucket;
  int64_t chart_start_us = 0;  // start of the first bucket
  std::vector<std::pair<uint64_t, uint64_t>> buckets;
  std::string source;  // what was read
};

struct TimelineOptions {
  EntitySelector entity;
  std::string input;   // FILE, "-" or "kafka:TOPIC[,TOPIC]" (audit records or AccessEvents)
  std::string alerts;  // "" = none, else FILE or "kafka:TOPIC"
  EventTime from, to;
  Duration max_delay = Duration::Minutes(10);  // see SourceOptions
  kafka::Config kafka;
  size_t max_rows = 200000;
};

Result<Timeline> BuildTimeline(const TimelineOptions& options);

// Completes a Timeline whose entity, range, events, alerts and counts are filled in (tests, and
// BuildTimeline itself): sorts events and alerts, marks events with the alerts they are evidence
// of, and computes the activity buckets.
void FinishTimeline(Timeline* t);

std::string RenderTable(const Timeline& t);
std::string RenderJson(const Timeline& t);
std::string RenderCsv(const Timeline& t);
std::string RenderHtml(const Timeline& t);
// "table" | "json" | "csv" | "html"; InvalidArgument otherwise.
Result<std::string> Render(const Timeline& t, const std::string& format);

// Shared by the renderers: JSON string escaping (also safe inside <script>: '<' '>' '&' escaped).
std::string JsonString(std::string_view s);

}  // namespace vw::forensics
