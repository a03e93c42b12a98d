// KafkaSink: `vaultwatch generate --output kafka://BOOTSTRAP/TOPIC`. Each message (one NDJSON
// record, or one {"records":[...]} envelope) becomes one Kafka record with no key, produced through
// the vw_kafka Producer (idempotent, at-least-once; the topic is created if missing, 6 partitions).
//
// Ownership: owns its producer. Thread-safety: one thread (the generator's or AsyncSink's).
// Built only when the kafka module is (generator/CMakeLists.txt defines VW_GENERATOR_HAS_KAFKA).
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "generator/sinks.h"

namespace vw::kafka {
class Producer;
}

namespace vw::gen {

struct KafkaTarget {
  std::string bootstrap;  // "host:port[,host:port...]"
  std::string topic;
};
// Parses "kafka://BOOTSTRAP/TOPIC".
Result<KafkaTarget> ParseKafkaUrl(const std::string& url);

class KafkaSink final : public OutputSink {
 public:
  static Result<std::unique_ptr<KafkaSink>> Open(const KafkaTarget& target, int partitions = 6);
  ~KafkaSink() override;
  Status Write(std::string_view data, const std::vector<uint32_t>& ends) override;
  // Flushes every queued record (waits up to 120 s) and reports the first delivery error.
  Status Close() override;
  uint64_t produced() const { return produced_; }

 private:
  KafkaSink(std::unique_ptr<kafka::Producer> producer, std::string topic);
  std::unique_ptr<kafka::Producer> producer_;
  std::string topic_;
  uint64_t produced_ = 0;
  bool closed_ = false;
};

}  // namespace vw::gen
