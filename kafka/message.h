// Message: one record consumed from Kafka, owning librdkafka's message object (RAII).
//
// Accessors return views into the librdkafka buffer, valid while the Message lives. Move-only.
// Thread-safety: a value; use from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "base/types.h"

struct rd_kafka_message_s;

namespace vw::kafka {

class Message {
 public:
  Message() = default;
  // Takes ownership of `msg` (destroyed with rd_kafka_message_destroy).
  explicit Message(rd_kafka_message_s* msg);

  bool empty() const { return msg_ == nullptr; }
  std::string_view topic() const;
  PartitionId partition() const;
  KafkaOffset offset() const;
  std::string_view key() const;
  std::string_view value() const;
  bool value_is_null() const;  // a tombstone
  // The record timestamp (CreateTime unless the topic says LogAppendTime), ms since the epoch; -1
  // when the record has none.
  int64_t timestamp_ms() const;
  // The last header named `name`, if any.
  std::optional<std::string_view> header(std::string_view name) const;

 private:
  struct Deleter {
    void operator()(rd_kafka_message_s* m) const;
  };
  std::unique_ptr<rd_kafka_message_s, Deleter> msg_;
};

}  // namespace vw::kafka
