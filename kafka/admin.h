// Admin: topic management over one librdkafka handle (RAII). Creates the pipeline's topics with
// their configured partition counts if missing; an existing topic is left as it is (its partition
// count is reported, never changed: changing it would move keys between partitions and state).
//
// Thread-safety: calls may come from any thread (each is one blocking request/response).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "kafka/types.h"

struct rd_kafka_s;

namespace vw::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  // Topic configs, e.g. {"cleanup.policy", "compact"} for changelogs.
  std::map<std::string, std::string> configs;
};

class Admin {
 public:
  static Result<std::unique_ptr<Admin>> Create(const Config& config);
  ~Admin();
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  // Creates each missing topic (rd_kafka_CreateTopics) and waits until its metadata shows every
  // partition with a leader. "Already exists" is success.
  Status CreateTopics(const std::vector<TopicSpec>& topics, int timeout_ms);
  Status DeleteTopics(const std::vector<std::string>& topics, int timeout_ms);
  // Sets a topic's configs (rd_kafka_AlterConfigs), e.g. raising max.message.bytes. Not
  // incremental (librdkafka 2.0.2 has no IncrementalAlterConfigs): overrides not named here
  // return to the broker's defaults, so name every override the topic should keep.
  Status SetTopicConfigs(const std::string& topic,
                         const std::map<std::string, std::string>& configs, int timeout_ms);
  // Partition count of an existing topic; NotFound if it does not exist.
  Result<int> PartitionCount(const std::string& topic, int timeout_ms);
  // Low and high watermark of one partition, asked of the broker.
  Result<std::pair<KafkaOffset, KafkaOffset>> Watermarks(const TopicPartition& tp, int timeout_ms);
  // Deletes each partition's records before its offset (rd_kafka_DeleteRecords), as retention
  // would: the low watermark moves there. Offset -1 means the partition's high watermark.
  Status DeleteRecordsBefore(const OffsetMap& before, int timeout_ms);

 private:
  explicit Admin(rd_kafka_s* rk) : rk_(rk) {}
  rd_kafka_s* rk_;
};

}  // namespace vw::kafka
