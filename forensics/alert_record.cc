#include "forensics/alert_record.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>

#include "forensics/event_source.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"

namespace vw::forensics {

Result<std::vector<AlertRecord>> ReadAlerts(const std::string& spec, const kafka::Config& kafka,
                                            AlertReadStats* stats) {
  std::vector<AlertRecord> out;
  AlertReadStats local;
  AlertReadStats& st = stats != nullptr ? *stats : local;
  auto take = [&](std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) return;
    ++st.lines;
    Result<AlertRecord> a = ParseAlertJson(line);
    if (a.ok()) {
      out.push_back(std::move(*a));
    } else {
      ++st.bad;
    }
  };
  if (!IsKafkaSpec(spec)) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (spec != "-") {
      file.open(spec);
      if (!file) return Status::IOError(spec + ": cannot open");
      in = &file;
    }
    for (std::string line; std::getline(*in, line);) take(line);
    if (in->bad()) return Status::IOError(spec + ": read failed");
    return out;
  }
  std::vector<std::string> topics = KafkaTopics(spec);
  if (kafka.find("bootstrap.servers") == kafka.end()) {
    return Status::InvalidArgument("Kafka alerts need bootstrap servers (--bootstrap)");
  }
  VW_ASSIGN_OR_RETURN(auto admin, kafka::Admin::Create(kafka));
  kafka::Config cc = kafka;
  std::random_device rd;
  cc["group.id"] = "vaultwatch-timeline-" + std::to_string(rd());
  cc["enable.partition.eof"] = "true";
  VW_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Create(cc));
  kafka::OffsetMap start;
  std::map<kafka::TopicPartition, int64_t> end;
  for (const std::string& t : topics) {
    VW_ASSIGN_OR_RETURN(int n, admin->PartitionCount(t, 15000));
    for (int p = 0; p < n; ++p) {
      kafka::TopicPartition tp{t, PartitionId(p)};
      VW_ASSIGN_OR_RETURN(auto marks, admin->Watermarks(tp, 15000));
      if (marks.second.value() <= marks.first.value()) continue;  // empty
      start[tp] = marks.first;
      end[tp] = marks.second.value();
    }
  }
  if (start.empty()) return out;
  VW_RETURN_IF_ERROR(consumer->Assign(start));
  std::vector<kafka::Message> batch;
  std::vector<kafka::TopicPartition> eof;
  while (!end.empty()) {
    batch.clear();
    eof.clear();
    VW_RETURN_IF_ERROR(consumer->Poll(200, 10000, &batch, &eof));
    for (const kafka::Message& m : batch) {
      kafka::TopicPartition tp{std::string(m.topic()), m.partition()};
      auto it = end.find(tp);
      if (it == end.end()) continue;
      if (!m.value_is_null()) take(m.value());
      if (m.offset().value() >= it->second - 1) end.erase(it);
    }
    for (const auto& tp : eof) end.erase(tp);
  }
  return out;
}

}  // namespace vw::forensics
