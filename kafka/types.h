// Plain value types shared by the kafka/ wrappers and their users (runtime/, tests): topic
// partitions, configuration maps, and the mapping of librdkafka's error classes onto vw::Status.
//
// Nothing here includes librdkafka: kafka/ is the only module that does, and only in its .cc files.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/types.h"

namespace vw::kafka {

// librdkafka properties, key -> value ("bootstrap.servers" -> "127.0.0.1:19092"). Values may be
// secrets (sasl.password, ssl.key.password): never log them without vw::RedactIfSecret.
using Config = std::map<std::string, std::string>;

struct TopicPartition {
  std::string topic;
  PartitionId partition;
  auto operator<=>(const TopicPartition&) const = default;
  // "topic/partition", the spelling used in state::CommitPoint and logs.
  std::string ToString() const { return topic + "/" + std::to_string(partition.value()); }
};

// Next offset to read per partition (Kafka's "committed offset" convention).
using OffsetMap = std::map<TopicPartition, KafkaOffset>;

// A record header; values are bytes.
using Headers = std::vector<std::pair<std::string, std::string>>;

}  // namespace vw::kafka
