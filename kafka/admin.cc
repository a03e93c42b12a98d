#include "kafka/admin.h"

#include <chrono>
#include <thread>

#include "kafka/internal.h"

namespace vw::kafka {

using internal::FromCode;

Result<std::unique_ptr<Admin>> Admin::Create(const Config& user) {
  Config config = user;
  config.erase("transactional.id");
  config.erase("group.id");
  VW_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, internal::MakeConf(config));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("creating kafka admin client: ") + err);
  }
  return std::unique_ptr<Admin>(new Admin(rk));
}

Admin::~Admin() { rd_kafka_destroy(rk_); }

namespace {

// Waits for the admin result event on `queue`, up to `timeout_ms`.
rd_kafka_event_t* WaitResult(rd_kafka_queue_t* queue, int timeout_ms) {
  return rd_kafka_queue_poll(queue, timeout_ms + 1000);
}

// One admin request and its result event: `issue(opts, queue)` sends it, `read(event)` checks the
// per-item results of an answer without a request-level error. `what` names it in errors.
template <typename Issue, typename Read>
Status AdminRequest(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms, const std::string& what,
                    Issue&& issue, Read&& read) {
  char err[512];
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, op);
  rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof(err));
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  issue(opts, queue);
  rd_kafka_event_t* ev = WaitResult(queue, timeout_ms);
  Status s;
  if (ev == nullptr) {
    s = Status::Unavailable(what + ": no answer within timeout");
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    s = FromCode(rd_kafka_event_error(ev), what);
  } else {
    s = read(ev);
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(opts);
  return s;
}

}  // namespace

Status Admin::CreateTopics(const std::vector<TopicSpec>& topics, int timeout_ms) {
  if (topics.empty()) return Status::OK();
  std::vector<rd_kafka_NewTopic_t*> news;
  char err[512];
  Status s;
  for (const auto& t : topics) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof(err));
    if (nt == nullptr) {
      s = Status::InvalidArgument("topic " + t.name + ": " + err);
      break;
    }
    for (const auto& [k, v] : t.configs) {
      rd_kafka_resp_err_t e = rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && s.ok())
        s = FromCode(e, "topic " + t.name + " config " + k);
    }
    news.push_back(nt);
  }
  if (s.ok()) {
    rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, err, sizeof(err));
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof(err));
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
    rd_kafka_CreateTopics(rk_, news.data(), news.size(), opts, queue);
    rd_kafka_event_t* ev = WaitResult(queue, timeout_ms);
    if (ev == nullptr) {
      s = Status::Unavailable("create topics: no answer within timeout");
    } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      s = FromCode(rd_kafka_event_error(ev), "create topics");
    } else {
      const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
      size_t n = 0;
      const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
      for (size_t i = 0; i < n && s.ok(); ++i) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
        if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
        s = FromCode(e, std::string("create topic ") + rd_kafka_topic_result_name(results[i]));
      }
    }
    if (ev != nullptr) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(queue);
    rd_kafka_AdminOptions_destroy(opts);
  }
  rd_kafka_NewTopic_destroy_array(news.data(), news.size());
  if (!s.ok()) return s;
  // The controller answers before every partition has a leader; wait so that the first produce
  // or assignment does not race the topic's creation.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (const auto& t : topics) {
    for (;;) {
      Result<int> n = PartitionCount(t.name, 5000);
      if (n.ok() && *n >= 1) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status::Unavailable("topic " + t.name + " has no leaders yet");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return Status::OK();
}

Status Admin::DeleteTopics(const std::vector<std::string>& topics, int timeout_ms) {
  std::vector<rd_kafka_DeleteTopic_t*> dels;
  for (const auto& t : topics) dels.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  char err[512];
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_DELETETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, err, sizeof(err));
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
  rd_kafka_DeleteTopics(rk_, dels.data(), dels.size(), opts, queue);
  rd_kafka_event_t* ev = WaitResult(queue, timeout_ms);
  Status s;
  if (ev == nullptr) {
    s = Status::Unavailable("delete topics: no answer within timeout");
  } else {
    const rd_kafka_DeleteTopics_result_t* res = rd_kafka_event_DeleteTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_DeleteTopics_result_topics(res, &n);
    for (size_t i = 0; i < n && s.ok(); ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
      s = FromCode(e, std::string("delete topic ") + rd_kafka_topic_result_name(results[i]));
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_DeleteTopic_destroy_array(dels.data(), dels.size());
  return s;
}

Status Admin::SetTopicConfigs(const std::string& topic,
                              const std::map<std::string, std::string>& configs, int timeout_ms) {
  rd_kafka_ConfigResource_t* res =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  Status s;
  for (const auto& [k, v] : configs) {
    rd_kafka_resp_err_t e = rd_kafka_ConfigResource_set_config(res, k.c_str(), v.c_str());
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && s.ok())
      s = FromCode(e, "topic " + topic + " config " + k);
  }
  if (s.ok()) {
    const std::string what = "alter configs of " + topic;
    s = AdminRequest(
        rk_, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, timeout_ms, what,
        [&](rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* queue) {
          rd_kafka_AlterConfigs(rk_, &res, 1, opts, queue);
        },
        [&](rd_kafka_event_t* ev) {
          size_t n = 0;
          const rd_kafka_ConfigResource_t** done =
              rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
          for (size_t i = 0; i < n; ++i) {
            rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(done[i]);
            if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return FromCode(e, what);
          }
          return Status::OK();
        });
  }
  rd_kafka_ConfigResource_destroy(res);
  return s;
}

Result<int> Admin::PartitionCount(const std::string& topic, int timeout_ms) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, rkt, &md, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromCode(err, "metadata for " + topic);
  Result<int> out = Status::NotFound("topic " + topic + " does not exist");
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (topic != t.topic) continue;
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) break;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      out = FromCode(t.err, "metadata for " + topic);
      break;
    }
    bool all_led = true;
    for (int p = 0; p < t.partition_cnt; ++p) all_led = all_led && t.partitions[p].leader >= 0;
    out = all_led
              ? Result<int>(t.partition_cnt)
              : Result<int>(Status::Unavailable("topic " + topic + ": partitions without leader"));
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

Result<std::pair<KafkaOffset, KafkaOffset>> Admin::Watermarks(const TopicPartition& tp,
                                                              int timeout_ms) {
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      rk_, tp.topic.c_str(), tp.partition.value(), &low, &high, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromCode(err, "watermarks of " + tp.ToString());
  return std::make_pair(KafkaOffset(low), KafkaOffset(high));
}

Status Admin::DeleteRecordsBefore(const OffsetMap& before, int timeout_ms) {
  if (before.empty()) return Status::OK();
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(before.size()));
  for (const auto& [tp, offset] : before) {
    rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition.value())->offset =
        offset.value();
  }
  rd_kafka_DeleteRecords_t* del = rd_kafka_DeleteRecords_new(list);
  rd_kafka_topic_partition_list_destroy(list);  // copied by DeleteRecords_new
  Status s = AdminRequest(
      rk_, RD_KAFKA_ADMIN_OP_DELETERECORDS, timeout_ms, "delete records",
      [&](rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* queue) {
        rd_kafka_DeleteRecords(rk_, &del, 1, opts, queue);
      },
      [](rd_kafka_event_t* ev) {
        const rd_kafka_topic_partition_list_t* done =
            rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev));
        for (int i = 0; done != nullptr && i < done->cnt; ++i) {
          const rd_kafka_topic_partition_t& p = done->elems[i];
          if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return FromCode(p.err, std::string("delete records of ") + p.topic + "/" +
                                       std::to_string(p.partition));
          }
        }
        return Status::OK();
      });
  rd_kafka_DeleteRecords_destroy(del);
  return s;
}

}  // namespace vw::kafka
