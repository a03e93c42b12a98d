#include "runtime/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string_view>

#include "base/logging.h"

namespace vw::runtime {
namespace {

using Setter = std::function<Status(const YAML::Node&, PipelineConfig*)>;

struct Field {
  PipelineConfigField doc;
  Setter set;
};

template <typename T>
Result<T> As(const YAML::Node& n, const std::string& key) {
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    return Status::InvalidArgument("'" + key + "' has the wrong type");
  }
}

Setter String(std::string PipelineConfig::*m, std::string key) {
  return [m, key](const YAML::Node& n, PipelineConfig* c) -> Status {
    VW_ASSIGN_OR_RETURN(c->*m, As<std::string>(n, key));
    return Status::OK();
  };
}

Setter Int(int PipelineConfig::*m, std::string key, int lo, int hi) {
  return [m, key, lo, hi](const YAML::Node& n, PipelineConfig* c) -> Status {
    VW_ASSIGN_OR_RETURN(int v, As<int>(n, key));
    if (v < lo || v > hi) {
      return Status::InvalidArgument("'" + key + "' = " + std::to_string(v) + " is outside " +
                                     std::to_string(lo) + ".." + std::to_string(hi));
    }
    c->*m = v;
    return Status::OK();
  };
}

Setter Bool(bool PipelineConfig::*m, std::string key) {
  return [m, key](const YAML::Node& n, PipelineConfig* c) -> Status {
    VW_ASSIGN_OR_RETURN(c->*m, As<bool>(n, key));
    return Status::OK();
  };
}

Setter Topic(TopicConfig PipelineConfig::*m, std::string key) {
  return [m, key](const YAML::Node& n, PipelineConfig* c) -> Status {
    if (!n.IsMap())
      return Status::InvalidArgument("'" + key + "' must be a map {name, partitions}");
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      if (k == "name") {
        VW_ASSIGN_OR_RETURN((c->*m).name, As<std::string>(kv.second, key + ".name"));
      } else if (k == "partitions") {
        VW_ASSIGN_OR_RETURN(int p, As<int>(kv.second, key + ".partitions"));
        if (p < 1 || p > 10000)
          return Status::InvalidArgument("'" + key + ".partitions' out of 1..10000");
        (c->*m).partitions = p;
      } else {
        return Status::InvalidArgument("unknown key '" + key + "." + k + "'");
      }
    }
    return Status::OK();
  };
}

Setter Passthrough(kafka::Config PipelineConfig::*m, std::string key) {
  return [m, key](const YAML::Node& n, PipelineConfig* c) -> Status {
    if (!n.IsMap())
      return Status::InvalidArgument("'" + key + "' must be a map of librdkafka properties");
    for (const auto& kv : n) {
      VW_ASSIGN_OR_RETURN(std::string v,
                          As<std::string>(kv.second, key + "." + kv.first.as<std::string>()));
      (c->*m)[kv.first.as<std::string>()] = v;
    }
    return Status::OK();
  };
}

const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = {
      {{"application_id", "string", "vaultwatch",
        "prefix of consumer groups, transactional ids and changelog topics"},
       String(&PipelineConfig::application_id, "application_id")},
      {{"instance_id", "string", "0",
        "this instance's name, unique in the deployment and stable across restarts "
        "(--instance-id)"},
       String(&PipelineConfig::instance_id, "instance_id")},
      {{"stages", "list", "[ingest, vault, caller]", "stages this process runs"},
       [](const YAML::Node& n, PipelineConfig* c) -> Status {
         if (!n.IsSequence()) return Status::InvalidArgument("'stages' must be a list");
         c->stages.clear();
         for (const auto& s : n) {
           VW_ASSIGN_OR_RETURN(std::string v, As<std::string>(s, "stages"));
           c->stages.push_back(v);
         }
         return Status::OK();
       }},
      {{"threads_per_stage", "int", "1",
        "consumer threads per stage, each with its own transactional producer (1..64)"},
       Int(&PipelineConfig::threads_per_stage, "threads_per_stage", 1, 64)},
      {{"commit_interval_ms", "int", "100",
        "transaction commit interval: output, changelog and offsets commit together (1..60000)"},
       Int(&PipelineConfig::commit_interval_ms, "commit_interval_ms", 1, 60000)},
      {{"keyed_batch_events", "int", "50",
        "events per kv.events.by-* record (1..1000): 1 = one AccessEvent per record; more = "
        "batched records, fewer Kafka records per event (detect stages and replay read both)"},
       Int(&PipelineConfig::keyed_batch_events, "keyed_batch_events", 1, 1000)},
      {{"reorder_buffer_reread_records", "int", "20000",
        "detector stages: a restart rebuilds the reorder buffers by re-reading up to this many "
        "kv.events.by-* records before the committed offset; older buffered events are logged "
        "to the changelog (0 = log every buffered event, re-read nothing)"},
       Int(&PipelineConfig::reorder_buffer_reread_records, "reorder_buffer_reread_records", 0,
           100000000)},
      {{"memory_budget_mib", "int", "0",
        "detector stages: memory for state, MiB, for the whole process (RocksDB cache and "
        "memtables, store write caches, engine key caches; state/memory_budget.h), shared by "
        "every detector partition it may own, so RSS does not grow with the number of keys; "
        "0 = the detector config's engine.memory_budget_mib (8..1048576)"},
       [](const YAML::Node& n, PipelineConfig* c) -> Status {
         VW_ASSIGN_OR_RETURN(int v, As<int>(n, "memory_budget_mib"));
         if (v != 0 && (v < 8 || v > (1 << 20))) {
           return Status::InvalidArgument("'memory_budget_mib' must be 0 or 8..1048576");
         }
         c->memory_budget_mib = v;
         return Status::OK();
       }},
      {{"align_raw_partitions", "bool", "false",
        "the ingest stage reads its raw partitions in event-time order (oldest head first; "
        "partitions that run ahead wait): for raw topics preloaded across partitions"},
       Bool(&PipelineConfig::align_raw_partitions, "align_raw_partitions")},
      {{"early_alert_max_origin_skew_ms", "int", "60000",
        "detector stages: threshold alerts (excessive retrieval, list-then-get, mass retrieval) "
        "go out when the threshold is crossed while the raw partitions' watermarks are at most "
        "this far apart (live input); further apart (a preloaded topic), they wait for the "
        "watermark; 0 = always wait"},
       Int(&PipelineConfig::early_alert_max_origin_skew_ms, "early_alert_max_origin_skew_ms", 0,
           86400000)},
      {{"watermark_idle_timeout_ms", "int", "30000",
        "detector stages: a raw partition that forwards no watermark for this long (wall clock) "
        "is left out of the stream watermark until it does, so an idle partition cannot hold "
        "every alert of the ordered detectors back; 0 = wait for every partition (deterministic "
        "replays and backfills: results then never depend on timing)"},
       Int(&PipelineConfig::watermark_idle_timeout_ms, "watermark_idle_timeout_ms", 0, 86400000)},
      {{"state_dir", "string", "/var/lib/vaultwatch",
        "RocksDB stores, one directory per input partition; relative to this file"},
       String(&PipelineConfig::state_dir, "state_dir")},
      {{"detect_config", "string", "\"\"",
        "the detectors' YAML (configs/detect.yaml); relative to this file; empty = defaults"},
       String(&PipelineConfig::detect_config, "detect_config")},
      {{"metrics.address", "string", "127.0.0.1",
        "HTTP bind address for /metrics, /healthz, /readyz"},
       String(&PipelineConfig::metrics_address, "metrics.address")},
      {{"metrics.port", "int", "9464", "HTTP port; 0 disables the endpoint"},
       Int(&PipelineConfig::metrics_port, "metrics.port", 0, 65535)},
      {{"topics.replication_factor", "int", "1", "replication factor of topics vaultwatch creates"},
       Int(&PipelineConfig::replication_factor, "topics.replication_factor", 1, 16)},
      {{"topics.raw", "topic", "{name: kv.audit.raw, partitions: 6}",
        "input: Azure diagnostic records"},
       Topic(&PipelineConfig::raw, "topics.raw")},
      {{"topics.by_vault", "topic", "{name: kv.events.by-vault, partitions: 6}",
        "normalised events keyed by vault"},
       Topic(&PipelineConfig::by_vault, "topics.by_vault")},
      {{"topics.by_caller", "topic", "{name: kv.events.by-caller, partitions: 6}",
        "normalised events keyed by caller"},
       Topic(&PipelineConfig::by_caller, "topics.by_caller")},
      {{"topics.alerts", "topic", "{name: kv.alerts, partitions: 6}",
        "alerts (JSON lines in alert_format)"},
       Topic(&PipelineConfig::alerts, "topics.alerts")},
      {{"topics.deadletter", "topic", "{name: kv.deadletter, partitions: 1}",
        "raw bytes that could not be ingested, with the reason in headers"},
       Topic(&PipelineConfig::deadletter, "topics.deadletter")},
      {{"topics.feedback", "topic", "{name: kv.feedback, partitions: 1}",
        "analyst verdicts (JSON lines, docs/feedback.md); benign ones suppress later alerts"},
       Topic(&PipelineConfig::feedback, "topics.feedback")},
      {{"alert_format", "string", "defender",
        "how alerts are rendered on topics.alerts: defender (Defender-shaped JSON) | ocsf (OCSF "
        "Detection Finding) | ecs (Elastic Common Schema); docs/alert-formats.md"},
       String(&PipelineConfig::alert_format, "alert_format")},
      {{"privacy.pseudonymise", "string", "none",
        "none | state (events pseudonymised before the detectors: state, changelogs and alerts "
        "hold pseudonyms) | alerts (alerts pseudonymised before they are published)"},
       String(&PipelineConfig::pseudonymise, "privacy.pseudonymise")},
      {{"privacy.key_file", "string", "\"\"",
        "file holding the HMAC key (>= 16 bytes; relative to this file); never logged"},
       String(&PipelineConfig::key_file, "privacy.key_file")},
      {{"privacy.key_env", "string", "VW_PSEUDONYM_KEY",
        "environment variable holding the key when privacy.key_file is empty"},
       String(&PipelineConfig::key_env, "privacy.key_env")},
      {{"kafka.bootstrap_servers", "string", "127.0.0.1:19092",
        "the brokers (--bootstrap overrides)"},
       String(&PipelineConfig::bootstrap_servers, "kafka.bootstrap_servers")},
      {{"kafka.common", "map", "{}",
        "librdkafka properties for every client (security.protocol, ssl.*, sasl.*)"},
       Passthrough(&PipelineConfig::common, "kafka.common")},
      {{"kafka.sasl_password_file", "string", "\"\"",
        "file holding sasl.password (e.g. a mounted Secret; relative to this file); never logged"},
       String(&PipelineConfig::sasl_password_file, "kafka.sasl_password_file")},
      {{"kafka.sasl_password_env", "string", "\"\"",
        "environment variable holding sasl.password; never logged"},
       String(&PipelineConfig::sasl_password_env, "kafka.sasl_password_env")},
      {{"kafka.consumer", "map", "{}", "librdkafka consumer properties"},
       Passthrough(&PipelineConfig::consumer, "kafka.consumer")},
      {{"kafka.producer", "map", "{}", "librdkafka producer properties"},
       Passthrough(&PipelineConfig::producer, "kafka.producer")},
  };
  return fields;
}

// Flattens nested maps to dotted keys, stopping at the known field names (whose values may be
// maps).
Status Walk(const YAML::Node& node, const std::string& prefix,
            const std::map<std::string, const Field*>& by_name, PipelineConfig* c) {
  for (const auto& kv : node) {
    std::string key =
        prefix.empty() ? kv.first.as<std::string>() : prefix + "." + kv.first.as<std::string>();
    auto it = by_name.find(key);
    if (it != by_name.end()) {
      VW_RETURN_IF_ERROR(it->second->set(kv.second, c));
      continue;
    }
    if (kv.second.IsMap()) {
      bool is_prefix = false;
      for (const auto& [name, f] : by_name) is_prefix = is_prefix || name.rfind(key + ".", 0) == 0;
      if (is_prefix) {
        VW_RETURN_IF_ERROR(Walk(kv.second, key, by_name, c));
        continue;
      }
    }
    return Status::InvalidArgument("unknown key '" + key + "'");
  }
  return Status::OK();
}

// POSIX's portable variable names: upper-case letters, digits and '_'. Stricter than what a shell
// accepts, on purpose: a key (base64, hex) put here by mistake nearly always has a lower-case
// letter or a symbol, so it is refused rather than echoed in an "unset" message.
bool IsVariableName(std::string_view s) {
  if (s.empty() || s.size() > 128 || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

// Fills common["sasl.password"] from kafka.sasl_password_file or kafka.sasl_password_env. Errors
// name the file or variable, never the value.
Status LoadSaslPassword(PipelineConfig* c, const std::string& base_dir) {
  if (!c->sasl_password_file.empty() && !c->sasl_password_env.empty()) {
    return Status::InvalidArgument(
        "set one of kafka.sasl_password_file and kafka.sasl_password_env, not both");
  }
  std::string password;
  if (!c->sasl_password_file.empty()) {
    std::filesystem::path path(c->sasl_password_file);
    if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Status::InvalidArgument("kafka.sasl_password_file: cannot read " + path.string());
    }
    std::stringstream ss;
    ss << in.rdbuf();
    password = ss.str();
    if (!password.empty() && password.back() == '\n') password.pop_back();
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) {
      return Status::InvalidArgument("kafka.sasl_password_file: " + path.string() + " is empty");
    }
  } else if (!c->sasl_password_env.empty()) {
    const char* v = std::getenv(c->sasl_password_env.c_str());
    if (v == nullptr || *v == '\0') {
      return Status::InvalidArgument("kafka.sasl_password_env: $" + c->sasl_password_env +
                                     " is not set");
    }
    password = v;
  } else {
    return Status::OK();
  }
  if (c->common.count("sasl.password") > 0) {
    return Status::InvalidArgument(
        "kafka.common.sasl.password is set as well as kafka.sasl_password_file/_env: keep one");
  }
  c->common["sasl.password"] = password;
  return Status::OK();
}

}  // namespace

kafka::Config PipelineConfig::ConsumerConfig() const {
  kafka::Config c = {{"bootstrap.servers", bootstrap_servers},
                     {"session.timeout.ms", "10000"},
                     {"heartbeat.interval.ms", "1000"},
                     {"max.poll.interval.ms", "300000"},
                     {"fetch.wait.max.ms", "50"},
                     // 8 MiB per partition instead of librdkafka's 1 MiB: fewer, larger fetches
                     // of the keyed topics, so the consumers wait less for fetch round trips
                     // (more events/s in pipeline_bench; CPU per event the same).
                     {"max.partition.fetch.bytes", "8388608"},
                     // A consumer's memory: an 8 MiB prefetch queue and at most one 8 MiB fetch
                     // in flight. librdkafka's defaults (64 and 50 MiB) held ~300 MiB across a
                     // process's consumers while the detectors lagged a backlog, which took a
                     // 4.86M-key pipeline over 1 GiB; the price is catch-up speed where the
                     // consumers are the bottleneck (docs/operations.md, "Memory").
                     {"fetch.max.bytes", "8388608"},
                     {"queued.max.messages.kbytes", "8192"},
                     {"auto.offset.reset", "earliest"}};
  for (const auto& [k, v] : common) c[k] = v;
  for (const auto& [k, v] : consumer) c[k] = v;
  return c;
}

kafka::Config PipelineConfig::ProducerConfig() const {
  // A short transaction timeout bounds how long a killed instance's open transaction blocks
  // read_committed readers (the last stable offset) when no restart fences it sooner.
  kafka::Config c = {{"bootstrap.servers", bootstrap_servers},
                     {"transaction.timeout.ms", "10000"},
                     {"linger.ms", "5"},
                     {"batch.num.messages", "10000"},
                     {"message.max.bytes", "1000000"}};
  for (const auto& [k, v] : common) c[k] = v;
  for (const auto& [k, v] : producer) c[k] = v;
  return c;
}

kafka::Config PipelineConfig::AdminConfig() const {
  kafka::Config c = {{"bootstrap.servers", bootstrap_servers}};
  for (const auto& [k, v] : common) c[k] = v;
  return c;
}

std::string PipelineConfig::ChangelogTopic(const std::string& stage) const {
  return application_id + "-" + stage + "-changelog";
}

Status ValidatePipelineConfig(const PipelineConfig& c) {
  static const std::set<std::string> kStages = {"ingest", "vault", "caller"};
  if (c.stages.empty()) return Status::InvalidArgument("'stages' is empty");
  for (const auto& s : c.stages) {
    if (kStages.count(s) == 0) {
      return Status::InvalidArgument("unknown stage '" + s + "' (ingest, vault, caller)");
    }
  }
  if (c.application_id.empty()) return Status::InvalidArgument("'application_id' is empty");
  if (c.instance_id.empty()) return Status::InvalidArgument("'instance_id' is empty");
  if (c.state_dir.empty()) return Status::InvalidArgument("'state_dir' is empty");
  if (c.pseudonymise != "none" && c.pseudonymise != "state" && c.pseudonymise != "alerts") {
    return Status::InvalidArgument("'privacy.pseudonymise' = '" + c.pseudonymise +
                                   "' is not one of none, state, alerts");
  }
  if (!c.key_env.empty() && !IsVariableName(c.key_env)) {
    // Never echo the value: the usual mistake is putting the key itself here.
    return Status::InvalidArgument(
        "'privacy.key_env' must be the name of an environment variable (upper-case letters, "
        "digits and '_', not starting with a digit, at most 128 characters), not the key; its "
        "value is not shown");
  }
  if (c.alert_format != "defender" && c.alert_format != "ocsf" && c.alert_format != "ecs") {
    return Status::InvalidArgument("'alert_format' = '" + c.alert_format +
                                   "' is not one of defender, ocsf, ecs");
  }
  if (c.pseudonymise != "none" && c.key_file.empty() && c.key_env.empty()) {
    return Status::InvalidArgument(
        "'privacy.pseudonymise' needs a key: set privacy.key_file or privacy.key_env");
  }
  const bool detectors = std::find(c.stages.begin(), c.stages.end(), "vault") != c.stages.end() ||
                         std::find(c.stages.begin(), c.stages.end(), "caller") != c.stages.end();
  if (detectors) {
    const kafka::Config producer = c.ProducerConfig();
    auto it = producer.find("message.max.bytes");
    if (it != producer.end() &&
        std::strtoull(it->second.c_str(), nullptr, 10) < kMinDetectorMessageBytes) {
      return Status::InvalidArgument(
          "kafka message.max.bytes = " + it->second +
          " is below what the detector stages' changelog records need (" +
          std::to_string(kMinDetectorMessageBytes) +
          " bytes: reorder-buffer segments of up to 256 KiB); raise it (the changelog topics' "
          "max.message.bytes too), or run only the ingest stage with it");
    }
  }
  for (const auto* m : {&c.consumer, &c.producer, &c.common}) {
    for (const auto& [k, v] : *m) {
      if (k == "transactional.id" || k == "enable.auto.commit" || k == "isolation.level") {
        return Status::InvalidArgument("kafka property '" + k +
                                       "' is owned by the exactly-once runtime; remove it");
      }
    }
  }
  return Status::OK();
}

Result<PipelineConfig> ParsePipelineConfig(const std::string& text, const std::string& name,
                                           const std::string& base_dir) {
  PipelineConfig c;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(name + ": not YAML: " + e.what());
  }
  if (root.IsDefined() && !root.IsNull()) {
    if (!root.IsMap()) return Status::InvalidArgument(name + ": the top level must be a map");
    std::map<std::string, const Field*> by_name;
    for (const auto& f : Fields()) by_name[f.doc.name] = &f;
    Status s;
    try {
      s = Walk(root, "", by_name, &c);
    } catch (const YAML::Exception& e) {
      s = Status::InvalidArgument(e.what());
    }
    if (!s.ok()) return s.WithContext(name);
  }
  if (!c.detect_config.empty() && !base_dir.empty() &&
      std::filesystem::path(c.detect_config).is_relative()) {
    c.detect_config = (std::filesystem::path(base_dir) / c.detect_config).string();
  }
  if (!c.key_file.empty() && !base_dir.empty() && std::filesystem::path(c.key_file).is_relative()) {
    c.key_file = (std::filesystem::path(base_dir) / c.key_file).string();
  }
  // Every path in the file is relative to the file, so that the process's working directory
  // never changes what a file means (--state-dir on the command line stays relative to it).
  if (!c.state_dir.empty() && !base_dir.empty() &&
      std::filesystem::path(c.state_dir).is_relative()) {
    c.state_dir = (std::filesystem::path(base_dir) / c.state_dir).string();
  }
  VW_RETURN_IF_ERROR(LoadSaslPassword(&c, base_dir).WithContext(name));
  VW_RETURN_IF_ERROR(ValidatePipelineConfig(c).WithContext(name));
  return c;
}

Result<PipelineConfig> LoadPipelineConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot read pipeline config " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  // Absolute, so that paths resolved against it name the file plainly in messages and output.
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ParsePipelineConfig(ss.str(), path,
                             (ec ? std::filesystem::path(path) : abs).parent_path().string());
}

std::string DescribePipelineConfig(const PipelineConfig& c) {
  std::ostringstream o;
  auto line = [&o](std::string_view key, std::string_view value) {
    o << key << ": " << RedactIfSecret(key, value) << "\n";
  };
  auto join = [](const std::vector<std::string>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s + "]";
  };
  line("application_id", c.application_id);
  line("instance_id", c.instance_id);
  line("stages", join(c.stages));
  line("threads_per_stage", std::to_string(c.threads_per_stage));
  line("commit_interval_ms", std::to_string(c.commit_interval_ms));
  line("keyed_batch_events", std::to_string(c.keyed_batch_events));
  line("reorder_buffer_reread_records", std::to_string(c.reorder_buffer_reread_records));
  line("memory_budget_mib", std::to_string(c.memory_budget_mib));
  line("align_raw_partitions", c.align_raw_partitions ? "true" : "false");
  line("state_dir", c.state_dir);
  line("detect_config", c.detect_config.empty() ? "\"\" (built-in defaults)" : c.detect_config);
  line("metrics.address", c.metrics_address);
  line("metrics.port", std::to_string(c.metrics_port));
  line("topics.replication_factor", std::to_string(c.replication_factor));
  for (const auto& [key, t] : {std::pair<const char*, const TopicConfig*>{"topics.raw", &c.raw},
                               {"topics.by_vault", &c.by_vault},
                               {"topics.by_caller", &c.by_caller},
                               {"topics.alerts", &c.alerts},
                               {"topics.deadletter", &c.deadletter},
                               {"topics.feedback", &c.feedback}}) {
    line(key, "{name: " + t->name + ", partitions: " + std::to_string(t->partitions) + "}");
  }
  line("privacy.pseudonymise", c.pseudonymise);
  line("privacy.key_file", c.key_file);
  // The variable's name (validated as a name); the key it holds is never read here.
  line("privacy.key_env", c.key_env);
  // What librdkafka is given, defaults included; passwords, tokens and keys masked.
  for (const auto& [section, props] :
       {std::pair<const char*, kafka::Config>{"kafka.consumer", c.ConsumerConfig()},
        {"kafka.producer", c.ProducerConfig()}}) {
    for (const auto& [k, v] : props)
      o << section << "." << k << ": " << RedactIfSecret(k, v) << "\n";
  }
  return o.str();
}

std::vector<PipelineConfigField> PipelineConfigTable() {
  std::vector<PipelineConfigField> out;
  for (const auto& f : Fields()) out.push_back(f.doc);
  return out;
}

std::string PipelineConfigReferenceMarkdown() {
  std::ostringstream o;
  o << "# Pipeline configuration reference (`vaultwatch run`)\n\n"
       "Generated from the declared table in `runtime/config.cc` by `vaultwatch config-reference "
       "--pipeline`; do not edit by hand. Operating the pipeline: `docs/operations.md`.\n\n"
       "Keys are YAML paths of the pipeline file (`configs/pipeline.yaml`); unknown keys, wrong "
       "types and out-of-range values stop start-up with the file and key named. Relative paths "
       "are relative to the directory of the file that names them. `kafka.common`, "
       "`kafka.consumer` and `kafka.producer` are passed to librdkafka as they are; passwords, "
       "tokens and keys are never logged.\n\n"
       "| key | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& f : Fields()) {
    o << "| `" << f.doc.name << "` | " << f.doc.type << " | `" << f.doc.default_value << "` | "
      << f.doc.meaning << " |\n";
  }
  return o.str();
}

}  // namespace vw::runtime
