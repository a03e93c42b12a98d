#include "processors/detectors/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <sstream>

namespace vw::detect {
namespace {

struct FieldDef {
  ConfigField meta;
  // Parses `text` into the config; an error message (without the key) on failure.
  std::function<Status(DetectConfig&, const std::string& text)> set;
};

Result<int64_t> ParseInt(const std::string& t) {
  try {
    size_t pos = 0;
    long long v = std::stoll(t, &pos);
    if (pos != t.size()) return Status::InvalidArgument("'" + t + "' is not an integer");
    return static_cast<int64_t>(v);
  } catch (const std::exception&) {
    return Status::InvalidArgument("'" + t + "' is not an integer");
  }
}

Result<double> ParseDouble(const std::string& t) {
  try {
    size_t pos = 0;
    double v = std::stod(t, &pos);
    if (pos != t.size()) return Status::InvalidArgument("'" + t + "' is not a number");
    return v;
  } catch (const std::exception&) {
    return Status::InvalidArgument("'" + t + "' is not a number");
  }
}

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

FieldDef DurationField(std::string name, Duration DetectConfig::*m, Duration lo, Duration hi,
                       std::string meaning) {
  DetectConfig d;
  FieldDef f{{name, "duration", FormatDuration(d.*m), std::move(meaning),
              FormatDuration(lo) + ".." + FormatDuration(hi)},
             nullptr};
  f.set = [m, lo, hi](DetectConfig& c, const std::string& t) -> Status {
    VW_ASSIGN_OR_RETURN(Duration v, ParseDuration(t));
    if (v < lo || v > hi) {
      return Status::InvalidArgument("'" + t + "' outside " + FormatDuration(lo) + ".." +
                                     FormatDuration(hi));
    }
    c.*m = v;
    return Status::OK();
  };
  return f;
}

FieldDef IntField(std::string name, int64_t DetectConfig::*m, int64_t lo, int64_t hi,
                  std::string meaning) {
  DetectConfig d;
  FieldDef f{{name, "int", std::to_string(d.*m), std::move(meaning),
              std::to_string(lo) + ".." + std::to_string(hi)},
             nullptr};
  f.set = [m, lo, hi](DetectConfig& c, const std::string& t) -> Status {
    VW_ASSIGN_OR_RETURN(int64_t v, ParseInt(t));
    if (v < lo || v > hi) {
      return Status::InvalidArgument("'" + t + "' outside " + std::to_string(lo) + ".." +
                                     std::to_string(hi));
    }
    c.*m = v;
    return Status::OK();
  };
  return f;
}

FieldDef DoubleField(std::string name, double DetectConfig::*m, double lo, double hi,
                     std::string meaning) {
  DetectConfig d;
  FieldDef f{{name, "double", FormatDouble(d.*m), std::move(meaning),
              FormatDouble(lo) + ".." + FormatDouble(hi)},
             nullptr};
  f.set = [m, lo, hi](DetectConfig& c, const std::string& t) -> Status {
    VW_ASSIGN_OR_RETURN(double v, ParseDouble(t));
    if (!(v >= lo && v <= hi)) {
      return Status::InvalidArgument("'" + t + "' outside " + FormatDouble(lo) + ".." +
                                     FormatDouble(hi));
    }
    c.*m = v;
    return Status::OK();
  };
  return f;
}

FieldDef BoolField(std::string name, bool DetectConfig::*m, std::string meaning) {
  DetectConfig d;
  FieldDef f{{name, "bool", d.*m ? "true" : "false", std::move(meaning), "true|false"}, nullptr};
  f.set = [m](DetectConfig& c, const std::string& t) -> Status {
    if (t == "true" || t == "on" || t == "yes") {
      c.*m = true;
    } else if (t == "false" || t == "off" || t == "no") {
      c.*m = false;
    } else {
      return Status::InvalidArgument("'" + t + "' is not a bool");
    }
    return Status::OK();
  };
  return f;
}

FieldDef StringField(std::string name, std::string DetectConfig::*m, std::string meaning) {
  DetectConfig d;
  FieldDef f{{name, "string", d.*m, std::move(meaning), "-"}, nullptr};
  f.set = [m](DetectConfig& c, const std::string& t) -> Status {
    c.*m = t;
    return Status::OK();
  };
  return f;
}

const std::vector<FieldDef>& Fields() {
  static const std::vector<FieldDef> fields = [] {
    using D = Duration;
    std::vector<FieldDef> v;
    v.push_back(DurationField("engine.allowed_lateness", &DetectConfig::allowed_lateness,
                              D::Seconds(0), D::Hours(24),
                              "How late (event time, per key) an event may arrive and still be "
                              "used; later ones are counted as late and reported. Azure delivers "
                              "up to ~10 minutes late. Alerts fire once this much event time has "
                              "passed the evidence."));
    v.push_back(DurationField("engine.suppression_window", &DetectConfig::suppression_window,
                              D::Minutes(1), D::Days(30),
                              "One alert per AlertType and entity per window of this length "
                              "(tumbling, aligned to the epoch); further evidence is suppressed."));
    v.push_back(DurationField("engine.learning_period", &DetectConfig::learning_period,
                              D::Seconds(0), D::Days(90),
                              "History an entity (vault or caller) needs before baseline-based "
                              "(\"unusual\") alerts may fire for it."));
    v.push_back(DurationField("engine.state_retention", &DetectConfig::state_retention, D::Days(1),
                              D::Days(400),
                              "Every state key expires this long (event time) after its last "
                              "activity: 30 days beyond the longest baseline (known_caller_ttl) "
                              "by default. Keep it above every baseline window."));
    v.push_back(IntField("engine.memory_budget_mib", &DetectConfig::memory_budget_mib, 8, 1 << 20,
                         "Memory for state, MiB, for the whole process (state/memory_budget.h): "
                         "3/8 one RocksDB cache (blocks and memtables of every store), 2/8 the "
                         "stores' write caches, 2/8 the engines' resident keys (the least "
                         "recently used are evicted to RocksDB and reloaded unchanged), 1/8 "
                         "headroom. Independent of the number of keys; measured peak RSS per "
                         "key count: bench/README.md (scale_bench)."));
    v.push_back(StringField("threat_intel.tor_file", &DetectConfig::tor_file,
                            "TOR exit nodes: one IP or CIDR per line, '#' comments (the Tor "
                            "Project's bulk exit list), or its exit-addresses format "
                            "(ExitNode/ExitAddress lines)."));
    v.push_back(StringField("threat_intel.suspicious_file", &DetectConfig::suspicious_file,
                            "Suspicious IPs (threat-intel feed): one IP or CIDR per line."));
    v.push_back(StringField("threat_intel.microsoft_file", &DetectConfig::microsoft_file,
                            "Microsoft ranges: one IP or CIDR per line, or Azure's service-tags "
                            "JSON (ServiceTags_Public_*.json)."));
    v.push_back(StringField("threat_intel.microsoft_service_tags",
                            &DetectConfig::microsoft_service_tags,
                            "With a service-tags JSON microsoft_file: comma-separated tag names "
                            "(values[].name, e.g. AzureCloud.westeurope,AzureKeyVault) whose "
                            "prefixes count; empty = every tag. A name missing from the file is "
                            "an error."));
    v.push_back(StringField("threat_intel.internal_ranges", &DetectConfig::internal_ranges,
                            "Comma-separated CIDRs counted as internal (like Microsoft ranges) "
                            "for KV_UnusualAccessSuspiciousIP."));
    v.push_back(DurationField("threat_intel.reload_interval", &DetectConfig::reload_interval,
                              D::Seconds(1), D::Hours(24),
                              "Wall-clock interval at which list files are checked (mtime) and "
                              "reloaded without restart."));
    v.push_back(DurationField("baseline.known_caller_ttl", &DetectConfig::known_caller_ttl,
                              D::Days(1), D::Days(365),
                              "A caller (or user+app pair) stays known on a vault this long "
                              "after its last access (KV_UserAnomaly, KV_AppAnomaly, ...)."));
    v.push_back(IntField("baseline.days", &DetectConfig::baseline_days, 2, 60,
                         "Days of history in daily baselines (account volume, mass retrieval, "
                         "access time series, operation volume)."));
    v.push_back(DurationField("unusual_ip.baseline_window", &DetectConfig::unusual_ip_baseline,
                              D::Hours(1), D::Days(60),
                              "KV_UnusualAccessSuspiciousIP: window in which a caller must have "
                              "been seen only from Microsoft/internal addresses."));
    v.push_back(IntField("identity.max_baseline_vaults",
                         &DetectConfig::identity_max_baseline_vaults, 1, 100000,
                         "KV_UserAnomaly, KV_AppAnomaly, KV_UserAccessDeniedAnomaly: only for "
                         "callers that used at most this many vaults in their baseline (roaming "
                         "admins reach new vaults routinely)."));
    v.push_back(IntField("account_volume.min_vaults", &DetectConfig::account_volume_min_vaults, 2,
                         100000,
                         "KV_AccountVolumeAnomaly: distinct vaults in 24 h needed to fire."));
    v.push_back(DoubleField("account_volume.ratio", &DetectConfig::account_volume_ratio, 1, 1000,
                            "KV_AccountVolumeAnomaly: times above the caller's busiest baseline "
                            "day."));
    v.push_back(IntField("account_volume_denied.min_vaults",
                         &DetectConfig::account_denied_min_vaults, 2, 100000,
                         "KV_AccountVolumeAccessDeniedAnomaly: distinct vaults denied in 24 h."));
    v.push_back(DoubleField("account_volume_denied.ratio", &DetectConfig::account_denied_ratio, 1,
                            1000,
                            "KV_AccountVolumeAccessDeniedAnomaly: times above the caller's "
                            "busiest baseline day."));
    v.push_back(IntField("operation_volume.min_count", &DetectConfig::op_volume_min_count, 1,
                         100000000,
                         "KV_OperationVolumeAnomaly: operations in one hour needed (throttled "
                         "429s not counted). Why 50: below that an hour is one person's session "
                         "or one sync run, too little to be a volume worth an analyst's time "
                         "whatever the vault's norm; a fixed floor of hundreds would miss a 20x "
                         "burst on a vault that sees a few operations an hour."));
    v.push_back(DoubleField("operation_volume.ratio", &DetectConfig::op_volume_ratio, 1, 1000,
                            "KV_OperationVolumeAnomaly: times above the largest count of the same "
                            "hour of day in the baseline. Why 5: real traffic is burstier than "
                            "Poisson (batches, retries, a busy Friday reach 2-4x the usual "
                            "hour), so the count must also dwarf the busiest same hour seen, "
                            "not only be improbable."));
    v.push_back(DoubleField("operation_volume.max_p_value", &DetectConfig::op_volume_max_p, 1e-15,
                            0.5,
                            "KV_OperationVolumeAnomaly: the hour's count must have at most this "
                            "probability under a Poisson law with the vault's mean for that hour "
                            "of day (the significance test that judges small and large vaults "
                            "alike). Why 1e-6: about one chance hour per vault in a century of "
                            "hours, so noise alone fires a handful of times a year across "
                            "thousands of vaults."));
    v.push_back(IntField("operation_pattern.min_new_operations",
                         &DetectConfig::op_pattern_min_new_ops, 1, 100,
                         "KV_OperationPatternAnomaly: operations a known caller never performed "
                         "on the vault, within the window."));
    v.push_back(IntField("operation_pattern.min_baseline_active_hours",
                         &DetectConfig::op_pattern_min_baseline_hours, 1, 100000,
                         "KV_OperationPatternAnomaly: operation-hours (an operation seen in an "
                         "hour counts once) of the caller on the vault in the baseline days, for "
                         "its pattern to count as established."));
    v.push_back(DurationField("operation_pattern.window", &DetectConfig::op_pattern_window,
                              D::Minutes(1), D::Days(1),
                              "KV_OperationPatternAnomaly: window for new operations."));
    v.push_back(DurationField("list_get.window", &DetectConfig::list_get_window, D::Minutes(1),
                              D::Hours(24), "KV_ListGetAnomaly: Gets counted after a List."));
    v.push_back(IntField("list_get.min_distinct", &DetectConfig::list_get_min_distinct, 2, 10000,
                         "KV_ListGetAnomaly: distinct secrets read after a List."));
    v.push_back(IntField("list_get.max_baseline_sequences",
                         &DetectConfig::list_get_max_baseline_sequences, 0, 100000,
                         "KV_ListGetAnomaly: list-then-bulk-get sequences the caller may have had "
                         "in its baseline and still be unusual (0: never did it)."));
    v.push_back(DurationField("put_get.window", &DetectConfig::put_get_window, D::Minutes(1),
                              D::Days(7),
                              "KV_PutGetAnomaly: a policy change then secret reads within this."));
    v.push_back(IntField(
        "mass_retrieval.static_threshold", &DetectConfig::mass_static_threshold, 1, 100000000,
        "KV_MassSecretRetrieval: successful gets of one operation on one vault per "
        "day (Sentinel's 25)."));
    v.push_back(DoubleField("mass_retrieval.ratio", &DetectConfig::mass_ratio, 1, 1000,
                            "KV_MassSecretRetrieval: times above the caller's busiest baseline "
                            "day."));
    v.push_back(DurationField("policy_flip.window", &DetectConfig::policy_flip_window,
                              D::Minutes(1), D::Days(1),
                              "KV_AccessPolicyFlip: an added policy removed within this."));
    v.push_back(IntField("time_series.min_reads", &DetectConfig::timeseries_min_reads, 1, 100000000,
                         "KV_AccessTimeSeriesAnomaly: reads in a day needed."));
    v.push_back(DoubleField("time_series.ratio", &DetectConfig::timeseries_ratio, 1, 1000,
                            "KV_AccessTimeSeriesAnomaly: times above the busiest baseline day."));
    v.push_back(DoubleField("time_series.max_p_value", &DetectConfig::timeseries_max_p, 1e-15, 0.5,
                            "KV_AccessTimeSeriesAnomaly: the day's reads must have at most this "
                            "probability under a Poisson law with the vault's daily mean. Why "
                            "1e-6: as operation_volume.max_p_value, for days."));
    v.push_back(
        IntField("excessive_retrieval.min_reads", &DetectConfig::excessive_min_reads, 2, 100000,
                 "KV_ExcessiveRetrieval: retrievals (Get, List, ListVersions) by one caller in one "
                 "minute; fires only for a caller with no such burst in its baseline."));
    v.push_back(IntField("excessive_retrieval.min_operations",
                         &DetectConfig::excessive_min_operations, 1, 100,
                         "KV_ExcessiveRetrieval: distinct retrieval operations in that minute."));
    v.push_back(DurationField("rare_secret.history", &DetectConfig::rare_history, D::Days(1),
                              D::Days(90),
                              "KV_RareSecretAccess: a name not read by the caller for this long."));
    v.push_back(IntField("routine.min_days", &DetectConfig::routine_min_days, 1, 60,
                         "KV_SensitiveOperation, KV_AccessPolicyFlip, KV_PutGetAnomaly: the "
                         "caller's operation (that class, on that vault) is a routine, and does "
                         "not alert, when it happened on at least this many distinct days of the "
                         "baseline (baseline.days, today excluded). Why 2: a weekly job shows up "
                         "on 2 days of a 14-day baseline; a single earlier occurrence is a "
                         "coincidence, not a routine."));
    v.push_back(BoolField("sensitive_operation.always_alert", &DetectConfig::sensitive_always_alert,
                          "KV_SensitiveOperation: alert on every successful delete, purge and "
                          "backup, Sentinel-style, without the routine baseline or the vault's "
                          "learning period. Off by default: nightly backups and CI clean-ups "
                          "would alert every night."));
    v.push_back(BoolField("policy_flip.always_alert", &DetectConfig::policy_flip_always_alert,
                          "KV_AccessPolicyFlip: alert on every add-then-remove, without the "
                          "routine baseline. Off by default: JIT access automation flips "
                          "policies several times a week."));
    v.push_back(BoolField("put_get.always_alert", &DetectConfig::put_get_always_alert,
                          "KV_PutGetAnomaly: alert on every policy-change-then-read, without the "
                          "routine baseline or the caller's learning period. Off by default: "
                          "break-glass procedures do exactly this, on a schedule."));
    for (const std::string& type : AllAlertTypes()) {
      FieldDef f{{"detectors." + type + ".enabled", "bool", "true", "Turns " + type + " on or off.",
                  "true|false"},
                 nullptr};
      f.set = [type](DetectConfig& c, const std::string& t) -> Status {
        if (t == "true" || t == "on" || t == "yes") {
          c.enabled[type] = true;
        } else if (t == "false" || t == "off" || t == "no") {
          c.enabled[type] = false;
        } else {
          return Status::InvalidArgument("'" + t + "' is not a bool");
        }
        return Status::OK();
      };
      v.push_back(std::move(f));
    }
    return v;
  }();
  return fields;
}

// Flattens a YAML mapping into dotted keys -> scalar text.
Status Flatten(const YAML::Node& node, const std::string& prefix,
               std::vector<std::pair<std::string, std::string>>* out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      std::string k = kv.first.as<std::string>();
      VW_RETURN_IF_ERROR(Flatten(kv.second, prefix.empty() ? k : prefix + "." + k, out));
    }
    return Status::OK();
  }
  if (node.IsScalar()) {
    out->emplace_back(prefix, node.Scalar());
    return Status::OK();
  }
  if (node.IsNull()) return Status::OK();
  return Status::InvalidArgument("'" + prefix + "': expected a scalar or a mapping");
}

}  // namespace

const std::vector<std::string>& AllAlertTypes() {
  static const std::vector<std::string> types = {"KV_SuspiciousIPAccess",
                                                 "KV_SuspiciousIPAccessDenied",
                                                 "KV_TORAccess",
                                                 "KV_UnusualAccessSuspiciousIP",
                                                 "KV_UserAnomaly",
                                                 "KV_AppAnomaly",
                                                 "KV_UserAppAnomaly",
                                                 "KV_UserAccessDeniedAnomaly",
                                                 "KV_AccountVolumeAnomaly",
                                                 "KV_AccountVolumeAccessDeniedAnomaly",
                                                 "KV_OperationVolumeAnomaly",
                                                 "KV_OperationPatternAnomaly",
                                                 "KV_ListGetAnomaly",
                                                 "KV_PutGetAnomaly",
                                                 "KV_MassSecretRetrieval",
                                                 "KV_SensitiveOperation",
                                                 "KV_AccessPolicyFlip",
                                                 "KV_AccessTimeSeriesAnomaly",
                                                 "KV_ExcessiveRetrieval",
                                                 "KV_RareSecretAccess"};
  return types;
}

bool DetectConfig::IsEnabled(const std::string& alert_type) const {
  auto it = enabled.find(alert_type);
  return it == enabled.end() || it->second;
}

std::vector<ConfigField> DetectConfigTable() {
  std::vector<ConfigField> out;
  for (const FieldDef& f : Fields()) out.push_back(f.meta);
  return out;
}

Result<Duration> ParseDuration(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0)) ++i;
  if (i == 0 || i > 15)
    return Status::InvalidArgument("'" + text + "' is not a duration (e.g. 10m)");
  int64_t n = std::stoll(text.substr(0, i));
  std::string unit = text.substr(i);
  if (unit == "us") return Duration::Micros(n);
  if (unit == "ms") return Duration::Millis(n);
  if (unit == "s") return Duration::Seconds(n);
  if (unit == "m") return Duration::Minutes(n);
  if (unit == "h") return Duration::Hours(n);
  if (unit == "d") return Duration::Days(n);
  return Status::InvalidArgument("'" + text + "': unit must be us, ms, s, m, h or d");
}

std::string FormatDuration(Duration d) {
  int64_t us = d.micros();
  struct Unit {
    int64_t us;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{86400000000LL, "d"}, {3600000000LL, "h"}, {60000000LL, "m"},
                                    {1000000LL, "s"},     {1000LL, "ms"},      {1, "us"}};
  if (us == 0) return "0s";
  for (const Unit& u : kUnits) {
    if (us % u.us == 0) return std::to_string(us / u.us) + u.name;
  }
  return std::to_string(us) + "us";
}

Result<DetectConfig> ParseDetectConfig(const std::string& yaml_text, const std::string& name) {
  DetectConfig config;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(name + ": not valid YAML: " + e.what());
  }
  std::vector<std::pair<std::string, std::string>> flat;
  try {
    if (!root.IsNull()) {
      if (!root.IsMap()) return Status::InvalidArgument(name + ": top level must be a mapping");
      VW_RETURN_IF_ERROR(Flatten(root, "", &flat).WithContext(name));
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(name + ": " + e.what());
  }
  // Only the detect section is ours; other components' sections are ignored so that one file can
  // configure the whole binary.
  for (auto& [key, value] : flat) {
    std::string k = key;
    if (k.rfind("detect.", 0) == 0) {
      k = k.substr(7);
    } else {
      // A section is ours if some declared key starts with it ("engine.", "list_get.", ...).
      std::string section = k.substr(0, k.find('.') + 1);
      bool own = std::any_of(Fields().begin(), Fields().end(),
                             [&](const FieldDef& f) { return f.meta.name.rfind(section, 0) == 0; });
      if (!own) continue;
    }
    auto it = std::find_if(Fields().begin(), Fields().end(),
                           [&](const FieldDef& f) { return f.meta.name == k; });
    if (it == Fields().end()) {
      return Status::InvalidArgument(name + ": unknown key '" + key + "' (see configs/README.md)");
    }
    VW_RETURN_IF_ERROR(it->set(config, value).WithContext(name + ": '" + key + "'"));
  }
  return config;
}

Result<DetectConfig> LoadDetectConfig(const std::string& yaml_path) {
  namespace fs = std::filesystem;
  if (yaml_path.empty()) {
    // The built-in defaults name configs/threat-intel/... relative to a checkout: found from the
    // working directory (a checkout's root), else in the source tree this binary was built from.
    // An installed binary has neither: it needs a config file naming its lists.
    DetectConfig config;
    for (std::string* p : {&config.tor_file, &config.suspicious_file, &config.microsoft_file}) {
      std::error_code ec;
      if (fs::exists(*p, ec)) continue;
      fs::path built = fs::path(VW_DETECT_SOURCE_DIR) / *p;
      if (fs::exists(built, ec)) *p = built.string();
    }
    return config;
  }
  FILE* f = std::fopen(yaml_path.c_str(), "rb");
  if (f == nullptr) return Status::NotFound(yaml_path + ": cannot open config file");
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  VW_ASSIGN_OR_RETURN(DetectConfig config, ParseDetectConfig(text, yaml_path));
  // Relative list paths are relative to the config file's directory, whatever the working
  // directory: the same file names the same lists wherever the process starts. A path equal to
  // the built-in default (a key the file leaves out) is found as the default is, above.
  std::error_code ec;
  fs::path dir = fs::absolute(yaml_path, ec).parent_path();
  if (ec) dir = fs::path(yaml_path).parent_path();
  const DetectConfig builtin;
  const DetectConfig defaults = *LoadDetectConfig("");
  struct PathKey {
    std::string* path;
    const std::string& builtin;
    const std::string& resolved_default;
  };
  for (const PathKey& k :
       {PathKey{&config.tor_file, builtin.tor_file, defaults.tor_file},
        PathKey{&config.suspicious_file, builtin.suspicious_file, defaults.suspicious_file},
        PathKey{&config.microsoft_file, builtin.microsoft_file, defaults.microsoft_file}}) {
    if (k.path->empty() || fs::path(*k.path).is_absolute()) continue;
    if (*k.path == k.builtin) {
      *k.path = k.resolved_default;
    } else {
      *k.path = (dir / *k.path).lexically_normal().string();
    }
  }
  return config;
}

std::string ConfigReferenceMarkdown() {
  std::ostringstream o;
  o << "# Detector configuration reference\n\n"
       "Generated from the declared table in `processors/detectors/config.cc` by "
       "`vaultwatch config-reference`; do not edit by hand.\n\n"
       "Keys are YAML paths (nested mappings, optionally under a top-level `detect:`); unknown "
       "keys, wrong types and out-of-bounds values stop start-up with an error naming the key. "
       "Durations take a unit: `us`, `ms`, `s`, `m`, `h`, `d`. The default file is "
       "`configs/detect.yaml`; a missing key keeps its default.\n\n"
       "Threat-intel lists (`configs/threat-intel/`) are plain text, one IP or CIDR per line, "
       "`#` starts a comment (the Tor Project's bulk exit list is such a file; its exit-addresses "
       "format is read too); the Microsoft list also accepts Azure's service-tags JSON as "
       "published, optionally only the tags named in `threat_intel.microsoft_service_tags`. They "
       "are "
       "re-read when their modification time changes (checked every "
       "`threat_intel.reload_interval` of wall-clock time), without a restart.\n\n"
       "| key | type | default | bounds | meaning |\n|---|---|---|---|---|\n";
  for (const FieldDef& f : Fields()) {
    o << "| `" << f.meta.name << "` | " << f.meta.type << " | `" << f.meta.default_value << "` | "
      << f.meta.bounds << " | " << f.meta.meaning << " |\n";
  }
  return o.str();
}

}  // namespace vw::detect
