#include "kafka/producer.h"

#include <chrono>
#include <thread>

#include "base/logging.h"
#include "kafka/errors.h"
#include "kafka/internal.h"

namespace vw::kafka {

using internal::FromCode;
using internal::FromError;

struct Producer::DeliveryState {
  std::mutex mu;
  Status first_error;
  bool first_is_purge = false;  // a later real cause replaces it
};

namespace {

void DeliveryCallback(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR || opaque == nullptr) return;
  // Private type reached through the opaque; the struct is complete in this file.
  auto* state = static_cast<Producer::DeliveryState*>(opaque);
  // When a transaction fails, librdkafka purges the records queued behind the one that failed,
  // and their reports ("Purged in queue") may be served first: keep looking for the cause.
  const bool purge = msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
                     msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
  std::lock_guard<std::mutex> lock(state->mu);
  if (state->first_error.ok() || (state->first_is_purge && !purge)) {
    state->first_error =
        FromCode(msg->err, std::string("delivery to ") + rd_kafka_topic_name(msg->rkt));
    state->first_is_purge = purge;
  }
}

}  // namespace

Result<std::pair<rd_kafka_t*, std::unique_ptr<Producer::DeliveryState>>> Producer::MakeHandle(
    const Config& user, bool transactional) {
  Config config;
  config["enable.idempotence"] = "true";
  config["linger.ms"] = "5";
  config["queue.buffering.max.messages"] = "1000000";
  config["queue.buffering.max.kbytes"] = "1048576";
  config["compression.type"] = "lz4";
  config["partitioner"] = "murmur2_random";
  for (const auto& [k, v] : user) config[k] = v;
  if (transactional && config.count("transactional.id") == 0) {
    return Status::InvalidArgument("a transactional producer needs transactional.id");
  }
  if (!transactional) config.erase("transactional.id");
  VW_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, internal::MakeConf(config));
  auto delivery = std::make_unique<DeliveryState>();
  rd_kafka_conf_set_dr_msg_cb(conf, DeliveryCallback);
  rd_kafka_conf_set_opaque(conf, delivery.get());
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("creating kafka producer: ") + err);
  }
  return std::make_pair(rk, std::move(delivery));
}

Result<std::unique_ptr<Producer>> Producer::Create(const Config& config) {
  VW_ASSIGN_OR_RETURN(auto handle, MakeHandle(config, /*transactional=*/false));
  return std::unique_ptr<Producer>(new Producer(handle.first, std::move(handle.second)));
}

Producer::Producer(rd_kafka_t* rk, std::unique_ptr<DeliveryState> delivery)
    : rk_(rk), delivery_(std::move(delivery)), name_(rd_kafka_name(rk)) {}

Producer::~Producer() {
  for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
  // Records still queued are dropped: the owner flushes or commits first if they matter. A purge
  // makes destruction prompt even when the broker is unreachable.
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_, 0);
  rd_kafka_destroy(rk_);
}

rd_kafka_topic_t* Producer::Topic(std::string_view name) {
  // A handful of topics per producer: a linear scan without allocation beats hashing a string.
  std::lock_guard<std::mutex> lock(topics_mu_);
  for (const auto& [n, rkt] : topics_) {
    if (n == name) return rkt;
  }
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, std::string(name).c_str(), nullptr);
  topics_.emplace_back(std::string(name), rkt);
  return rkt;
}

Status Producer::Produce(std::string_view topic, std::optional<PartitionId> partition,
                         std::string_view key, std::string_view value, const Headers* headers,
                         int64_t timestamp_ms) {
  return ProduceImpl(topic, partition, key, &value, headers, timestamp_ms);
}

Status Producer::ProduceTombstone(std::string_view topic, PartitionId partition,
                                  std::string_view key) {
  return ProduceImpl(topic, partition, key, nullptr, nullptr, 0);
}

Status Producer::ProduceImpl(std::string_view topic, std::optional<PartitionId> partition,
                             std::string_view key, const std::string_view* value,
                             const Headers* headers, int64_t timestamp_ms) {
  rd_kafka_topic_t* rkt = Topic(topic);
  int32_t part = partition ? partition->value() : RD_KAFKA_PARTITION_UA;
  for (;;) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (headers != nullptr && !headers->empty()) {
      hdrs = rd_kafka_headers_new(headers->size());
      for (const auto& [hk, hv] : *headers) {
        rd_kafka_header_add(hdrs, hk.data(), static_cast<ssize_t>(hk.size()), hv.data(),
                            static_cast<ssize_t>(hv.size()));
      }
    }
    rd_kafka_vu_t vu[7];
    vu[0].vtype = RD_KAFKA_VTYPE_RKT;
    vu[0].u.rkt = rkt;
    vu[1].vtype = RD_KAFKA_VTYPE_PARTITION;
    vu[1].u.i32 = part;
    vu[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vu[2].u.i = RD_KAFKA_MSG_F_COPY;
    // The const_casts are librdkafka's API: with MSG_F_COPY it copies and never writes.
    vu[3].vtype = RD_KAFKA_VTYPE_KEY;
    vu[3].u.mem.ptr = const_cast<char*>(key.data());
    vu[3].u.mem.size = key.size();
    vu[4].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[4].u.mem.ptr = value != nullptr ? const_cast<char*>(value->data()) : nullptr;
    vu[4].u.mem.size = value != nullptr ? value->size() : 0;
    size_t n = 5;
    if (hdrs != nullptr) {
      vu[n].vtype = RD_KAFKA_VTYPE_HEADERS;
      vu[n].u.headers = hdrs;
      ++n;
    }
    if (timestamp_ms > 0) {
      vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
      vu[n].u.i64 = timestamp_ms;
      ++n;
    }
    rd_kafka_error_t* error = rd_kafka_produceva(rk_, vu, n);
    if (error == nullptr) return Status::OK();
    rd_kafka_resp_err_t err = rd_kafka_error_code(error);
    rd_kafka_error_destroy(error);
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);  // not taken over on failure
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (err == RD_KAFKA_RESP_ERR__FATAL) return FatalError();
      std::string what = "produce to " + std::string(topic);
      if (err == RD_KAFKA_RESP_ERR__STATE) {
        // A transactional producer refuses new records once its transaction has failed, and
        // "Erroneous state" alone does not say why: the cause is an earlier record's delivery
        // error (e.g. the broker refusing it), whose report is served here.
        rd_kafka_poll(rk_, 0);
        std::lock_guard<std::mutex> lock(delivery_->mu);
        if (!delivery_->first_error.ok()) {
          what += " (the transaction failed: " + delivery_->first_error.message() + ")";
        }
      }
      return FromCode(err, what);
    }
    // Backpressure: the local queue is full; serve deliveries until there is room.
    rd_kafka_poll(rk_, 10);
  }
}

Status Producer::WaitForTopic(const std::string& topic, int partitions, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  rd_kafka_topic_t* rkt = Topic(topic);
  for (;;) {
    const rd_kafka_metadata_t* md = nullptr;
    int have = -1;
    if (rd_kafka_metadata(rk_, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < md->topic_cnt; ++i) {
        const auto& t = md->topics[i];
        if (topic != t.topic || t.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
        have = 0;
        for (int p = 0; p < t.partition_cnt; ++p) have += t.partitions[p].leader >= 0 ? 1 : 0;
      }
      rd_kafka_metadata_destroy(md);
    }
    if (have >= partitions) return Status::OK();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("topic " + topic + " not ready in producer metadata");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void Producer::Poll() { rd_kafka_poll(rk_, 0); }

Status Producer::Flush(int timeout_ms) {
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_, timeout_ms);
  Status s;
  {
    std::lock_guard<std::mutex> lock(delivery_->mu);
    s = delivery_->first_error;
    delivery_->first_error = Status::OK();
    delivery_->first_is_purge = false;
  }
  if (!s.ok()) return s;
  return FromCode(err, "flush");
}

int Producer::OutQueueLength() { return rd_kafka_outq_len(rk_); }

Status Producer::FatalError() {
  char buf[512];
  rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_, buf, sizeof(buf));
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::OK();
  return Status::Fatal(std::string("producer fatal error: ") + rd_kafka_err2name(err) + ": " + buf);
}

Result<std::unique_ptr<TransactionalProducer>> TransactionalProducer::Create(const Config& config,
                                                                             int init_timeout_ms) {
  VW_ASSIGN_OR_RETURN(auto handle, MakeHandle(config, /*transactional=*/true));
  std::unique_ptr<TransactionalProducer> p(
      new TransactionalProducer(handle.first, std::move(handle.second)));
  // init_transactions is retriable (coordinator loading, broker restarting): retry within budget.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(init_timeout_ms);
  for (;;) {
    Status s = FromError(rd_kafka_init_transactions(p->rk_, init_timeout_ms), "init_transactions");
    if (s.ok()) break;
    if (!IsRetriable(s) || std::chrono::steady_clock::now() >= deadline) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return p;
}

Status TransactionalProducer::BeginTransaction() {
  VW_RETURN_IF_ERROR(FromError(rd_kafka_begin_transaction(rk_), "begin_transaction"));
  in_txn_ = true;
  return Status::OK();
}

Status TransactionalProducer::SendOffsetsToTransaction(const OffsetMap& offsets,
                                                       const GroupMetadata& group, int timeout_ms) {
  if (offsets.empty()) return Status::OK();
  rd_kafka_topic_partition_list_t* list = internal::ToList(offsets);
  Status s = FromError(rd_kafka_send_offsets_to_transaction(rk_, list, group.get(), timeout_ms),
                       "send_offsets_to_transaction");
  rd_kafka_topic_partition_list_destroy(list);
  return s;
}

Status TransactionalProducer::CommitTransaction(int timeout_ms) {
  Status s = FromError(rd_kafka_commit_transaction(rk_, timeout_ms), "commit_transaction");
  if (s.ok()) in_txn_ = false;
  return s;
}

Status TransactionalProducer::AbortTransaction(int timeout_ms) {
  Status s = FromError(rd_kafka_abort_transaction(rk_, timeout_ms), "abort_transaction");
  if (s.ok()) {
    in_txn_ = false;
    // Delivery errors of the aborted records are moot now.
    Flush(0).IgnoreError();
  }
  return s;
}

}  // namespace vw::kafka
