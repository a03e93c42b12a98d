// CollectingRecordSink: keeps every event and dead letter an Ingestor emits, in order, for tests
// (header-only).
#pragma once

#include <utility>
#include <vector>

#include "processors/ingest/ingest.h"

namespace vw::testing {

class CollectingRecordSink : public ingest::RecordSink {
 public:
  void OnEvent(v1::AccessEvent&& event) override { events.push_back(std::move(event)); }
  void OnDeadLetter(ingest::DeadLetter&& dead) override { dead_letters.push_back(std::move(dead)); }
  std::vector<v1::AccessEvent> events;
  std::vector<ingest::DeadLetter> dead_letters;
};

}  // namespace vw::testing
