#include "kafka/consumer.h"

#include <chrono>
#include <thread>

#include "base/logging.h"
#include "kafka/errors.h"
#include "kafka/internal.h"

namespace vw::kafka {

using internal::FromCode;
using internal::FromError;

void GroupMetadata::Deleter::operator()(rd_kafka_consumer_group_metadata_s* m) const {
  rd_kafka_consumer_group_metadata_destroy(m);
}

GroupMetadata::GroupMetadata(rd_kafka_consumer_group_metadata_s* md) : md_(md) {}

namespace {

void RebalanceCallback(rd_kafka_t*, rd_kafka_resp_err_t err,
                       rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<Consumer*>(opaque)->HandleRebalance(static_cast<int>(err), partitions);
}

}  // namespace

Result<std::unique_ptr<Consumer>> Consumer::Create(const Config& user) {
  Config config;
  config["auto.offset.reset"] = "earliest";
  config["partition.assignment.strategy"] = "range,roundrobin";
  for (const auto& [k, v] : user) config[k] = v;
  auto strategy = config.find("partition.assignment.strategy");
  if (strategy->second.find("cooperative") != std::string::npos) {
    return Status::InvalidArgument(
        "partition.assignment.strategy: cooperative-sticky is not supported with librdkafka 2.0.2 "
        "(it can spin, and a commit during a cooperative rebalance can lose the assignment); use "
        "range or roundrobin");
  }
  // Settings the exactly-once runtime owns, applied last.
  config["enable.auto.commit"] = "false";
  config["enable.auto.offset.store"] = "false";
  config["isolation.level"] = "read_committed";
  config.erase("transactional.id");
  VW_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, internal::MakeConf(config));
  std::unique_ptr<Consumer> consumer(new Consumer(nullptr));
  rd_kafka_conf_set_opaque(conf, consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf, RebalanceCallback);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("creating kafka consumer: ") + err);
  }
  consumer->rk_ = rk;
  rd_kafka_poll_set_consumer(rk);
  return consumer;
}

Consumer::Consumer(rd_kafka_t* rk) : rk_(rk) {}

Consumer::~Consumer() {
  if (rk_ == nullptr) return;
  Close().IgnoreError();  // best effort: destruction must not fail; the group times us out anyway
  rd_kafka_destroy(rk_);
}

void Consumer::HandleRebalance(int err, void* partitions_ptr) {
  auto* partitions = static_cast<rd_kafka_topic_partition_list_t*>(partitions_ptr);
  std::vector<TopicPartition> tps = internal::FromList(partitions);
  ++rebalances_;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    VW_LOG(Info, "partitions assigned").Field("count", static_cast<int64_t>(tps.size()));
    OffsetMap start;
    if (listener_ != nullptr) listener_->OnAssigning(tps, &start);
    for (int i = 0; i < partitions->cnt; ++i) {
      auto& e = partitions->elems[i];
      auto it = start.find({e.topic, PartitionId(e.partition)});
      if (it != start.end()) e.offset = it->second.value();
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(rk_, partitions);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      VW_LOG(Error, "assign failed").Field("error", rd_kafka_err2str(e));
      return;
    }
    if (listener_ != nullptr) listener_->OnAssigned(tps);
  } else {
    VW_LOG(Info, "partitions revoked").Field("count", static_cast<int64_t>(tps.size()));
    if (listener_ != nullptr) listener_->OnRevoked(tps);
    rd_kafka_assign(rk_, nullptr);
  }
}

Status Consumer::Subscribe(const std::vector<std::string>& topics, RebalanceListener* listener) {
  listener_ = listener;
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& t : topics)
    rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  return FromCode(err, "subscribe");
}

Status Consumer::Assign(const OffsetMap& start) {
  rd_kafka_topic_partition_list_t* list = internal::ToList(start);
  rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  return FromCode(err, "assign");
}

Status Consumer::Poll(int timeout_ms, size_t max, std::vector<Message>* out,
                      std::vector<TopicPartition>* eof) {
  int wait = timeout_ms;
  const size_t start = out->size();
  for (size_t n = 0; n < max;) {
    const uint64_t before = rebalances_;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, wait);
    if (rebalances_ != before) {
      out->resize(start);
      n = 0;
      if (m == nullptr) break;
      max = n + 1;  // keep this message (fetched under the new assignment) and return
    }
    if (m == nullptr) break;
    wait = 0;  // only the first message is waited for
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out->emplace_back(m);
      ++n;
      continue;
    }
    rd_kafka_resp_err_t err = m->err;
    std::string what = m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : "consumer";
    int32_t partition = m->partition;
    rd_kafka_message_destroy(m);
    if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (eof != nullptr) eof->push_back({what, PartitionId(partition)});
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_fatal_error(rk_, buf, sizeof(buf));
      return Status::Fatal(std::string("consumer fatal error: ") + buf);
    }
    // Transport errors, unknown partitions during topic creation, ...: librdkafka retries itself.
    VW_LOG(Warn, "consumer error").Field("source", what).Field("error", rd_kafka_err2str(err));
    break;
  }
  return Status::OK();
}

Result<OffsetMap> Consumer::Committed(const std::vector<TopicPartition>& partitions,
                                      int timeout_ms) {
  rd_kafka_topic_partition_list_t* list = internal::ToList(partitions);
  rd_kafka_resp_err_t err = rd_kafka_committed(rk_, list, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_topic_partition_list_destroy(list);
    return FromCode(err, "committed offsets");
  }
  OffsetMap out;
  Status s;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR && s.ok()) s = FromCode(e.err, "committed offset");
    out[{e.topic, PartitionId(e.partition)}] = KafkaOffset(e.offset);
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (!s.ok()) return s;
  return out;
}

Status Consumer::Seek(const OffsetMap& offsets, int timeout_ms) {
  if (offsets.empty()) return Status::OK();
  rd_kafka_topic_partition_list_t* list = internal::ToList(offsets);
  Status s = FromError(rd_kafka_seek_partitions(rk_, list, timeout_ms), "seek");
  for (int i = 0; s.ok() && i < list->cnt; ++i) {
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      s = FromCode(list->elems[i].err, std::string("seek ") + list->elems[i].topic);
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  return s;
}

Status Consumer::SeekToCommitted(int timeout_ms) {
  std::vector<TopicPartition> assigned = Assignment();
  if (assigned.empty()) return Status::OK();
  VW_ASSIGN_OR_RETURN(OffsetMap committed, Committed(assigned, timeout_ms));
  for (auto& [tp, off] : committed) {
    if (off.value() < 0) off = KafkaOffset(RD_KAFKA_OFFSET_BEGINNING);
  }
  return Seek(committed, timeout_ms);
}

Status Consumer::Pause(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return Status::OK();
  rd_kafka_topic_partition_list_t* list = internal::ToList(partitions);
  Status s = FromCode(rd_kafka_pause_partitions(rk_, list), "pause");
  rd_kafka_topic_partition_list_destroy(list);
  return s;
}

Status Consumer::Resume(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return Status::OK();
  rd_kafka_topic_partition_list_t* list = internal::ToList(partitions);
  Status s = FromCode(rd_kafka_resume_partitions(rk_, list), "resume");
  rd_kafka_topic_partition_list_destroy(list);
  return s;
}

std::vector<TopicPartition> Consumer::Assignment() {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk_, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  std::vector<TopicPartition> out = internal::FromList(list);
  rd_kafka_topic_partition_list_destroy(list);
  return out;
}

Result<GroupMetadata> Consumer::Metadata() {
  rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata(rk_);
  if (md == nullptr) return Status::FailedPrecondition("consumer has no group metadata");
  return GroupMetadata(md);
}

Result<OffsetMap> Consumer::OffsetsForTimes(const OffsetMap& timestamps_ms, int timeout_ms) {
  Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    rd_kafka_topic_partition_list_t* list = internal::ToList(timestamps_ms);
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk_, list, timeout_ms);
    last = FromCode(err, "offsets_for_times");
    OffsetMap out;
    for (int i = 0; last.ok() && i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        last = FromCode(e.err, std::string("offsets_for_times ") + e.topic);
      }
      out[{e.topic, PartitionId(e.partition)}] = KafkaOffset(e.offset);
    }
    rd_kafka_topic_partition_list_destroy(list);
    if (last.ok()) return out;
    if (!IsRetriable(last)) return last;
    // A stale leader is not refreshed by 2.0.2 on this path: force a metadata refresh and retry.
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk_, 1, nullptr, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
  }
  return last;
}

int64_t Consumer::Lag(const TopicPartition& tp) {
  int64_t low = 0, high = 0;
  if (rd_kafka_get_watermark_offsets(rk_, tp.topic.c_str(), tp.partition.value(), &low, &high) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return -1;
  }
  rd_kafka_topic_partition_list_t* list = internal::ToList(std::vector<TopicPartition>{tp});
  int64_t lag = -1;
  if (rd_kafka_position(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].offset >= 0) {
    lag = std::max<int64_t>(0, high - list->elems[0].offset);
  }
  rd_kafka_topic_partition_list_destroy(list);
  return lag;
}

Status Consumer::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  return FromCode(rd_kafka_consumer_close(rk_), "consumer close");
}

}  // namespace vw::kafka
