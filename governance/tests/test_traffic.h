// Shared by the governance tests: 16 days of generator traffic with labelled attacks, ingested
// into AccessEvents once per test binary, and an alert sink that keeps the JSON lines.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "generator/generator.h"
#include "processors/detectors/alert.h"
#include "processors/detectors/engine.h"
#include "processors/ingest/ingest.h"

namespace vw::governance {

class StringSink final : public gen::OutputSink {
 public:
  Status Write(std::string_view data, const std::vector<uint32_t>&) override {
    bytes.append(data);
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  std::string bytes;
};

class Events final : public ingest::RecordSink {
 public:
  void OnEvent(v1::AccessEvent&& e) override { events.push_back(std::move(e)); }
  void OnDeadLetter(ingest::DeadLetter&&) override { ++dead; }
  std::vector<v1::AccessEvent> events;
  int dead = 0;
};

class Lines final : public detect::AlertSink {
 public:
  void OnAlert(const v1::Alert& a) override { lines.push_back(detect::AlertJson(a)); }
  std::vector<std::string> lines;
};

inline const std::vector<v1::AccessEvent>& Traffic() {
  static const std::vector<v1::AccessEvent>* events = [] {
    gen::GeneratorOptions o;
    o.seed = 11;
    o.days = 16;
    o.events_per_day = 4000;
    o.intel_dir =
        std::string(std::getenv("VW_SOURCE_DIR") != nullptr ? std::getenv("VW_SOURCE_DIR") : ".") +
        "/configs/threat-intel";
    auto g = gen::Generator::Create(o);
    EXPECT_TRUE(g.ok()) << g.status();
    StringSink sink;
    EXPECT_TRUE((*g)->Run(sink).ok());
    ingest::Ingestor ingestor;
    Events out;
    v1::SourcePosition base;
    base.set_source("generated");
    base.set_partition(-1);
    ingestor.IngestLines(sink.bytes, base, 1, out);
    EXPECT_EQ(out.dead, 0);
    return new std::vector<v1::AccessEvent>(std::move(out.events));
  }();
  return *events;
}

inline detect::DetectConfig TestConfig() {
  detect::DetectConfig config;
  const char* src = std::getenv("VW_SOURCE_DIR");
  const std::string intel = std::string(src != nullptr ? src : ".") + "/configs/threat-intel/";
  config.tor_file = intel + "tor-exit-nodes.txt";
  config.suspicious_file = intel + "suspicious-ips.txt";
  config.microsoft_file = intel + "microsoft-ranges.txt";
  return config;
}

}  // namespace vw::governance
