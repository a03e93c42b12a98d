// Private to kafka/: helpers shared by the .cc files. Includes librdkafka; never include this
// header outside kafka/*.cc.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"
#include "kafka/types.h"

namespace vw::kafka::internal {

// Builds an rd_kafka_conf_t from `config`; an unknown key or bad value is InvalidArgument naming
// the key (never the value: it may be a secret). Installs the structured-log callback.
Result<rd_kafka_conf_t*> MakeConf(const Config& config);

// Maps an rd_kafka_error_t (and destroys it) onto a Status of the right class (errors.h).
Status FromError(rd_kafka_error_t* error, std::string_view what);
// Maps a plain response error code; kOk for RD_KAFKA_RESP_ERR_NO_ERROR.
Status FromCode(rd_kafka_resp_err_t err, std::string_view what);

// Builds an rd_kafka_topic_partition_list_t from `offsets` (offset fields set), caller destroys.
rd_kafka_topic_partition_list_t* ToList(const OffsetMap& offsets);
rd_kafka_topic_partition_list_t* ToList(const std::vector<TopicPartition>& partitions);
std::vector<TopicPartition> FromList(const rd_kafka_topic_partition_list_t* list);

}  // namespace vw::kafka::internal
