// A RecordSink that keeps everything, for tests.
#pragma once

#include <string>
#include <vector>

#include "processors/ingest/ingest.h"

namespace vw::ingest {

class CollectingSink : public RecordSink {
 public:
  void OnEvent(vw::v1::AccessEvent&& event) override { events.push_back(std::move(event)); }
  void OnDeadLetter(DeadLetter&& dead) override { dead_letters.push_back(std::move(dead)); }
  std::vector<vw::v1::AccessEvent> events;
  std::vector<DeadLetter> dead_letters;
};

}  // namespace vw::ingest
