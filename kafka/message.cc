#include "kafka/message.h"

#include "kafka/internal.h"

namespace vw::kafka {

Message::Message(rd_kafka_message_s* msg) : msg_(msg) {}

void Message::Deleter::operator()(rd_kafka_message_s* m) const { rd_kafka_message_destroy(m); }

std::string_view Message::topic() const { return rd_kafka_topic_name(msg_->rkt); }
PartitionId Message::partition() const { return PartitionId(msg_->partition); }
KafkaOffset Message::offset() const { return KafkaOffset(msg_->offset); }

std::string_view Message::key() const {
  if (msg_->key == nullptr) return {};
  return {static_cast<const char*>(msg_->key), msg_->key_len};
}

std::string_view Message::value() const {
  if (msg_->payload == nullptr) return {};
  return {static_cast<const char*>(msg_->payload), msg_->len};
}

bool Message::value_is_null() const { return msg_->payload == nullptr; }

int64_t Message::timestamp_ms() const {
  rd_kafka_timestamp_type_t type;
  return rd_kafka_message_timestamp(msg_.get(), &type);
}

std::optional<std::string_view> Message::header(std::string_view name) const {
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(msg_.get(), &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return std::nullopt;
  std::string n(name);
  const void* v = nullptr;
  size_t len = 0;
  if (rd_kafka_header_get_last(hdrs, n.c_str(), &v, &len) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  if (v == nullptr) return std::string_view();
  return std::string_view(static_cast<const char*>(v), len);
}

}  // namespace vw::kafka
