// ProgressLine: the one-line progress display of long forensics runs on a terminal: events, percent
// of the input read, rate and ETA, redrawn in place on stderr at most four times a second.
//
// Not thread-safe: one owner calls Update from its processing loop. Does nothing when disabled.
#pragma once

#include <cstdint>
#include <string>

#include "base/clock.h"

namespace vw::forensics {

// "1.2M events  43.5%  310k events/s  ETA 0:12" from raw figures; exposed for tests.
std::string FormatProgress(const std::string& label, uint64_t events, uint64_t done, uint64_t total,
                           double elapsed_s);

class ProgressLine {
 public:
  ProgressLine(std::string label, bool enabled, const Clock* clock);
  // Cheap unless a redraw is due (checks the clock every 4096 calls).
  void Update(uint64_t events, uint64_t done, uint64_t total);
  // Draws the final state and ends the line (if anything was drawn).
  void Finish(uint64_t events, uint64_t done, uint64_t total);

 private:
  void Draw(uint64_t events, uint64_t done, uint64_t total);
  std::string label_;
  bool enabled_;
  const Clock* clock_;
  int64_t start_us_ = 0, last_us_ = 0;
  uint64_t calls_ = 0;
  bool drawn_ = false;
};

}  // namespace vw::forensics
