// CollectingAlertSink: keeps every alert an Engine emits, in order, with its JSON line
// (contracts section 4), for tests (header-only).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "processors/detectors/alert.h"
#include "processors/detectors/engine.h"

namespace vw::testing {

class CollectingAlertSink : public detect::AlertSink {
 public:
  void OnAlert(const v1::Alert& a) override {
    alerts.push_back(a);
    lines.push_back(detect::AlertJson(a));
  }
  size_t Count(const std::string& type) const {
    return static_cast<size_t>(std::count_if(
        alerts.begin(), alerts.end(), [&](const v1::Alert& a) { return a.alert_type() == type; }));
  }
  // The first alert of `type`, or nullptr.
  const v1::Alert* First(const std::string& type) const {
    for (const v1::Alert& a : alerts) {
      if (a.alert_type() == type) return &a;
    }
    return nullptr;
  }
  std::vector<v1::Alert> alerts;
  std::vector<std::string> lines;
};

}  // namespace vw::testing
