// PipelineConfig: what `vaultwatch run` reads from configs/pipeline.yaml. One declared table of
// fields (name, type, default, meaning) drives loading, validation and the generated reference
// configs/pipeline-reference.md (checked by config_test). The detectors' own settings live in the
// file `detect_config` points at.
//
// kafka.common.* / kafka.consumer.* / kafka.producer.* are passed to librdkafka as they are
// (TLS, SASL, timeouts...); the runtime applies the settings exactly-once depends on last
// (enable.auto.commit=false, isolation.level=read_committed, transactional.id, eager assignor).
//
// A plain value; thread-safe to read once loaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "kafka/types.h"

namespace vw::runtime {

struct TopicConfig {
  std::string name;
  int partitions = 6;
};

struct PipelineConfig {
  std::string application_id = "vaultwatch";  // consumer-group and transactional.id prefix
  // Distinguishes instances of one deployment (each needs its own: it names the transactional
  // ids, which must be stable across restarts so that a restart fences its own zombie at once).
  std::string instance_id = "0";
  std::vector<std::string> stages = {"ingest", "vault", "caller"};  // any subset
  int threads_per_stage = 1;     // consumer threads (each with its own producer)
  int commit_interval_ms = 100;  // one transaction per interval per thread
  // Events per kv.events.by-* record (runtime/control.h): 1 = one event per record; more =
  // batched records (fewer, larger Kafka records). Detector stages and forensics replay read both.
  // Default 50: 20-40% less CPU per event than 1 in pipeline_bench, and no later alerts (a batch
  // never outlives its raw input record).
  int keyed_batch_events = 50;
  // The detector stages' reorder buffers (events waiting for their key's watermark) are rebuilt
  // after a restart by re-reading up to this many input records before the committed offset;
  // only events read earlier than that are logged to the changelog. 0 = log every buffered event.
  int reorder_buffer_reread_records = 20000;
  // Detector stages: a raw partition silent for this long (wall clock) is left out of the
  // stream watermark until it speaks again (runtime/control.h). 0 = never (replays).
  int watermark_idle_timeout_ms = 30000;
  // Detector stages: threshold alerts go out when crossed (Engine::SetEarlyAlerts) while the raw
  // partitions' watermarks are at most this far apart; 0 = never.
  int early_alert_max_origin_skew_ms = 60000;
  // The ingest stage processes its assigned raw partitions in event-time order (worker.h).
  bool align_raw_partitions = false;
  // Memory for the detector stages' state, MiB, for the whole process (state::MemoryBudget),
  // shared by the stores and engines of every detector partition it may own. 0 = the detector
  // config's engine.memory_budget_mib (512).
  int memory_budget_mib = 0;
  std::string state_dir = "/var/lib/vaultwatch";
  std::string detect_config;  // path; "" = built-in defaults; relative to this file
  std::string metrics_address = "127.0.0.1";
  int metrics_port = 9464;  // 0 = do not serve HTTP
  int replication_factor = 1;
  TopicConfig raw{"kv.audit.raw", 6};
  TopicConfig by_vault{"kv.events.by-vault", 6};
  TopicConfig by_caller{"kv.events.by-caller", 6};
  TopicConfig alerts{"kv.alerts", 6};
  TopicConfig deadletter{"kv.deadletter", 1};
  // Analyst verdicts (docs/feedback.md), read by every process that runs a detector stage.
  TopicConfig feedback{"kv.feedback", 1};
  // Pseudonymisation (docs/privacy.md): "none", "state" (events are pseudonymised
  // before the detectors key, buffer or store them: state, changelogs and alerts hold pseudonyms)
  // or "alerts" (state is clear; alerts are pseudonymised before they are published).
  std::string pseudonymise = "none";
  std::string key_file;                      // the HMAC key's file; relative to this file
  std::string key_env = "VW_PSEUDONYM_KEY";  // else the key is this variable's value
  // How alerts are rendered on the alerts topic: "defender" | "ocsf" | "ecs"
  // (processors/detectors/alert_formats.h, docs/alert-formats.md).
  std::string alert_format = "defender";
  std::string bootstrap_servers = "127.0.0.1:19092";
  kafka::Config common;  // kafka.common.*: both clients (security.protocol, sasl.*, ssl.*)
  // sasl.password kept out of the config file (a Kubernetes Secret, Event Hubs' connection
  // string): read at load from this file (relative to this file; one trailing newline stripped)
  // or environment variable, into common["sasl.password"]. Never logged.
  std::string sasl_password_file;
  std::string sasl_password_env;
  kafka::Config consumer;  // kafka.consumer.*
  kafka::Config producer;  // kafka.producer.*

  // Full librdkafka property sets, with vaultwatch's defaults under the user's values.
  kafka::Config ConsumerConfig() const;
  kafka::Config ProducerConfig() const;
  kafka::Config AdminConfig() const;
  // The changelog topic of a stateful stage ("<application_id>-<stage>-changelog").
  std::string ChangelogTopic(const std::string& stage) const;
};

// Loads `path` over the defaults. Unknown keys, wrong types, out-of-range values and unknown
// stage names are InvalidArgument errors naming the file and key.
Result<PipelineConfig> LoadPipelineConfig(const std::string& path);
Result<PipelineConfig> ParsePipelineConfig(const std::string& yaml_text, const std::string& name,
                                           const std::string& base_dir);
// Also refuses a producer `message.max.bytes` below kMinDetectorMessageBytes when a detector stage
// runs: its changelog records could not be produced, and every transaction would abort.
Status ValidatePipelineConfig(const PipelineConfig& config);

// The smallest producer message.max.bytes the detector stages work with: their largest changelog
// records are the reorder buffer's segments (detect::Engine::kMaxSegmentBytes, 256 KiB of
// events) plus key and framing; detect_stage.cc asserts that the two agree.
inline constexpr size_t kMinDetectorMessageBytes = 300 * 1024;

// The effective configuration as "key: value" lines (what `vaultwatch run --check-config`
// prints), with the librdkafka property sets as the clients receive them. Values of
// secret-bearing keys (passwords, tokens, keys: RedactIfSecret) are masked as "***".
std::string DescribePipelineConfig(const PipelineConfig& config);

struct PipelineConfigField {
  std::string name, type, default_value, meaning;
};
std::vector<PipelineConfigField> PipelineConfigTable();
// configs/pipeline-reference.md: the table above as Markdown (`vaultwatch config-reference
// --pipeline`); runtime_test checks that the file is current.
std::string PipelineConfigReferenceMarkdown();

}  // namespace vw::runtime
