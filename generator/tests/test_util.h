// Helpers shared by the generator's tests: run a Generator into memory.
#pragma once

#include <string>
#include <vector>

#include "generator/generator.h"

namespace vw::gen::testing {

class StringSink final : public OutputSink {
 public:
  Status Write(std::string_view data, const std::vector<uint32_t>& ends) override {
    size_t base = text.size();
    for (uint32_t e : ends) message_ends.push_back(base + e);
    text.append(data);
    return Status::OK();
  }
  Status Close() override {
    closed = true;
    return Status::OK();
  }
  std::string text;
  std::vector<size_t> message_ends;
  bool closed = false;
};

inline GeneratorOptions SmallOptions() {
  GeneratorOptions o;
  o.seed = 7;
  o.days = 4;
  o.history_days = 2;
  o.events_per_day = 20000;
  o.tenant = "small";
  return o;
}

}  // namespace vw::gen::testing
