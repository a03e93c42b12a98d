#include "kafka/internal.h"

#include "base/logging.h"

namespace vw::kafka::internal {
namespace {

void LogCallback(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  // syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug.
  LogLevel l = level <= 3   ? LogLevel::kError
               : level == 4 ? LogLevel::kWarn
               : level <= 6 ? LogLevel::kInfo
                            : LogLevel::kDebug;
  LogLine line(l, "librdkafka", __FILE__, __LINE__);
  line.Field("client", rd_kafka_name(rk)).Field("facility", fac).Field("detail", buf);
}

}  // namespace

Result<rd_kafka_conf_t*> MakeConf(const Config& config) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [key, value] : config) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      // `err` may quote the value; name only the key, which is never secret.
      return Status::InvalidArgument("kafka config key '" + key + "' rejected by librdkafka");
    }
  }
  rd_kafka_conf_set_log_cb(conf, LogCallback);
  return conf;
}

Status FromError(rd_kafka_error_t* error, std::string_view what) {
  if (error == nullptr) return Status::OK();
  std::string msg =
      std::string(what) + ": " + rd_kafka_error_name(error) + ": " + rd_kafka_error_string(error);
  StatusCode code = StatusCode::kInternal;
  if (rd_kafka_error_is_fatal(error)) {
    code = StatusCode::kFatal;
  } else if (rd_kafka_error_txn_requires_abort(error)) {
    code = StatusCode::kAborted;
  } else if (rd_kafka_error_is_retriable(error)) {
    code = StatusCode::kUnavailable;
  } else {
    switch (rd_kafka_error_code(error)) {
      case RD_KAFKA_RESP_ERR__TIMED_OUT:
      case RD_KAFKA_RESP_ERR__TRANSPORT:
      case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        code = StatusCode::kUnavailable;
        break;
      case RD_KAFKA_RESP_ERR__FENCED:
      case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
      case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
        code = StatusCode::kFatal;
        break;
      case RD_KAFKA_RESP_ERR__STATE:
        code = StatusCode::kFailedPrecondition;
        break;
      default:
        break;
    }
  }
  rd_kafka_error_destroy(error);
  return Status(code, std::move(msg));
}

Status FromCode(rd_kafka_resp_err_t err, std::string_view what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::OK();
  std::string msg =
      std::string(what) + ": " + rd_kafka_err2name(err) + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return Status::Unavailable(std::move(msg));
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR__FATAL:
      return Status::Fatal(std::move(msg));
    case RD_KAFKA_RESP_ERR__STATE:
      return Status::FailedPrecondition(std::move(msg));
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
      return Status::InvalidArgument(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

rd_kafka_topic_partition_list_t* ToList(const OffsetMap& offsets) {
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& [tp, off] : offsets) {
    rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition.value())->offset =
        off.value();
  }
  return list;
}

rd_kafka_topic_partition_list_t* ToList(const std::vector<TopicPartition>& partitions) {
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (const auto& tp : partitions) {
    rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition.value());
  }
  return list;
}

std::vector<TopicPartition> FromList(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (list == nullptr) return out;
  out.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, PartitionId(list->elems[i].partition)});
  }
  return out;
}

}  // namespace vw::kafka::internal
