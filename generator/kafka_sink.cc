#include "generator/kafka_sink.h"

#include "kafka/admin.h"
#include "kafka/producer.h"

namespace vw::gen {

Result<KafkaTarget> ParseKafkaUrl(const std::string& url) {
  const std::string scheme = "kafka://";
  if (url.rfind(scheme, 0) != 0) return Status::InvalidArgument("not a kafka:// URL: " + url);
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= rest.size() ||
      rest.find('/', slash + 1) != std::string::npos) {
    return Status::InvalidArgument("expected kafka://BOOTSTRAP/TOPIC, got " + url);
  }
  return KafkaTarget{rest.substr(0, slash), rest.substr(slash + 1)};
}

KafkaSink::KafkaSink(std::unique_ptr<kafka::Producer> producer, std::string topic)
    : producer_(std::move(producer)), topic_(std::move(topic)) {}

KafkaSink::~KafkaSink() = default;

Result<std::unique_ptr<KafkaSink>> KafkaSink::Open(const KafkaTarget& target, int partitions) {
  kafka::Config config = {{"bootstrap.servers", target.bootstrap}};
  {
    VW_ASSIGN_OR_RETURN(auto admin, kafka::Admin::Create(config));
    VW_RETURN_IF_ERROR(admin->CreateTopics({{target.topic, partitions, 1, {}}}, 30000));
  }
  // Throughput settings: batches of up to 1 MiB, lz4, a short linger.
  kafka::Config pconfig = config;
  pconfig["linger.ms"] = "20";
  pconfig["batch.size"] = "1048576";
  pconfig["compression.type"] = "lz4";
  pconfig["queue.buffering.max.kbytes"] = "262144";
  VW_ASSIGN_OR_RETURN(auto producer, kafka::Producer::Create(pconfig));
  return std::unique_ptr<KafkaSink>(new KafkaSink(std::move(producer), target.topic));
}

Status KafkaSink::Write(std::string_view data, const std::vector<uint32_t>& ends) {
  if (closed_) return Status::FailedPrecondition("write to a closed Kafka sink");
  size_t begin = 0;
  for (uint32_t end : ends) {
    std::string_view msg = data.substr(begin, end - begin);
    if (!msg.empty() && msg.back() == '\n') msg.remove_suffix(1);
    VW_RETURN_IF_ERROR(producer_->Produce(topic_, std::nullopt, "", msg));
    begin = end;
    if (++produced_ % 1024 == 0) producer_->Poll();
  }
  return Status::OK();
}

Status KafkaSink::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  return producer_->Flush(120000);
}

}  // namespace vw::gen
