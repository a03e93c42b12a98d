// DetectConfig: every threshold, window and learning period of the detectors, declared once in a
// table (name, type, default, meaning, bounds) that drives the YAML loader, validation and the
// generated reference (configs/README.md, `vaultwatch config-reference`).
//
// A DetectConfig is a plain value: copy it freely; it is immutable once an Engine is created.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/types.h"

namespace vw::detect {

// Every AlertType of DESIGN.md section 6, in catalogue order.
const std::vector<std::string>& AllAlertTypes();

struct DetectConfig {
  // --- engine ---
  Duration allowed_lateness = Duration::Minutes(10);
  Duration suppression_window = Duration::Hours(24);
  Duration learning_period = Duration::Days(7);
  Duration state_retention = Duration::Days(60);
  // The process's memory budget for state, MiB (state::MemoryBudget: RocksDB cache and
  // memtables, store write caches, engine key caches).
  int64_t memory_budget_mib = 512;
  // --- threat intelligence ---
  std::string tor_file = "configs/threat-intel/tor-exit-nodes.txt";
  std::string suspicious_file = "configs/threat-intel/suspicious-ips.txt";
  std::string microsoft_file = "configs/threat-intel/microsoft-ranges.txt";
  // When microsoft_file is Azure's service-tags JSON: the tags (values[].name, e.g.
  // "AzureCloud.westeurope,AzureKeyVault") whose prefixes count; "" = every tag in the file.
  std::string microsoft_service_tags;
  std::string internal_ranges = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";
  Duration reload_interval = Duration::Seconds(30);
  // --- per detector ---
  std::map<std::string, bool> enabled;  // AlertType -> on (all on by default)
  Duration known_caller_ttl = Duration::Days(30);
  Duration unusual_ip_baseline = Duration::Days(14);
  int64_t account_volume_min_vaults = 5;
  double account_volume_ratio = 3.0;
  int64_t account_denied_min_vaults = 3;
  double account_denied_ratio = 3.0;
  int64_t baseline_days = 14;
  int64_t op_volume_min_count = 50;
  double op_volume_ratio = 5.0;
  double op_volume_max_p = 1e-6;
  int64_t op_pattern_min_new_ops = 3;
  int64_t op_pattern_min_baseline_hours = 24;
  int64_t identity_max_baseline_vaults = 4;
  Duration op_pattern_window = Duration::Hours(1);
  Duration list_get_window = Duration::Minutes(10);
  int64_t list_get_min_distinct = 15;
  int64_t list_get_max_baseline_sequences = 0;
  Duration put_get_window = Duration::Hours(1);
  int64_t mass_static_threshold = 25;
  double mass_ratio = 3.0;
  Duration policy_flip_window = Duration::Minutes(10);
  int64_t timeseries_min_reads = 100;
  double timeseries_ratio = 3.0;
  double timeseries_max_p = 1e-6;
  int64_t excessive_min_reads = 10;
  int64_t excessive_min_operations = 2;
  Duration rare_history = Duration::Days(7);
  // Routines (KV_SensitiveOperation, KV_AccessPolicyFlip, KV_PutGetAnomaly): what the caller does
  // on the vault on at least this many days of the baseline does not alert, unless always-alert.
  int64_t routine_min_days = 2;
  bool sensitive_always_alert = false;
  bool policy_flip_always_alert = false;
  bool put_get_always_alert = false;

  bool IsEnabled(const std::string& alert_type) const;
};

// One row of the declared table.
struct ConfigField {
  std::string name;  // YAML path, dotted: "engine.allowed_lateness"
  std::string type;  // "duration", "int", "double", "bool", "string"
  std::string default_value;
  std::string meaning;
  std::string bounds;  // human-readable, e.g. "0s..24h"
};
std::vector<ConfigField> DetectConfigTable();

// Loads a YAML file over the defaults ("" = built-in defaults). Unknown keys, wrong types and
// out-of-bounds values are errors naming the file and key. Relative threat-intel paths in a file
// are relative to that file's directory. The built-in defaults (no file, or a key left at its
// default) name configs/threat-intel/*: found from the working directory if there, else in the
// source tree the binary was built from; otherwise left as they are (ThreatIntel::Load then fails
// naming the file and key). Missing list files are not an error here.
Result<DetectConfig> LoadDetectConfig(const std::string& yaml_path);
Result<DetectConfig> ParseDetectConfig(const std::string& yaml_text, const std::string& name);

// "10m" -> 10 minutes; units: us, ms, s, m, h, d. Exposed for tests.
Result<Duration> ParseDuration(const std::string& text);
std::string FormatDuration(Duration d);

// The Markdown reference (configs/README.md), generated from the table.
std::string ConfigReferenceMarkdown();

}  // namespace vw::detect
