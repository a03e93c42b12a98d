// Shared by the governance tests: 16 days of generator traffic with labelled attacks, ingested
// into AccessEvents once per test binary; the collecting sinks are tests/support/'s.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "generator/generator.h"
#include "processors/detectors/alert.h"
#include "processors/detectors/engine.h"
#include "processors/ingest/ingest.h"
#include "tests/support/alert_sink.h"
#include "tests/support/record_sink.h"

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

using Events = vw::testing::CollectingRecordSink;
using Lines = vw::testing::CollectingAlertSink;

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
    EXPECT_TRUE(out.dead_letters.empty());
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
