#include "forensics/progress.h"

#include <cstdio>

namespace vw::forensics {
namespace {

std::string Human(double v) {
  char buf[32];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  } else if (v >= 1e4) {
    std::snprintf(buf, sizeof buf, "%.0fk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

}  // namespace

std::string FormatProgress(const std::string& label, uint64_t events, uint64_t done, uint64_t total,
                           double elapsed_s) {
  std::string s = label + ": " + Human(static_cast<double>(events)) + " events";
  const double rate = elapsed_s > 0 ? static_cast<double>(events) / elapsed_s : 0.0;
  char buf[96];
  if (total > 0) {
    double frac = static_cast<double>(done) / static_cast<double>(total);
    if (frac > 1) frac = 1;
    std::snprintf(buf, sizeof buf, "  %5.1f%%", frac * 100.0);
    s += buf;
    s += "  " + Human(rate) + " events/s";
    if (frac > 0.001 && elapsed_s > 0) {
      int64_t eta = static_cast<int64_t>(elapsed_s * (1 - frac) / frac + 0.5);
      std::snprintf(buf, sizeof buf, "  ETA %lld:%02lld", static_cast<long long>(eta / 60),
                    static_cast<long long>(eta % 60));
      s += buf;
    } else {
      s += "  ETA --:--";
    }
  } else {
    s += "  " + Human(rate) + " events/s";
  }
  return s;
}

ProgressLine::ProgressLine(std::string label, bool enabled, const Clock* clock)
    : label_(std::move(label)), enabled_(enabled), clock_(clock) {
  if (enabled_) start_us_ = last_us_ = clock_->MonotonicMicros();
}

void ProgressLine::Update(uint64_t events, uint64_t done, uint64_t total) {
  if (!enabled_ || (++calls_ & 0xfff) != 0) return;
  int64_t now = clock_->MonotonicMicros();
  if (now - last_us_ < 250000) return;
  last_us_ = now;
  Draw(events, done, total);
}

void ProgressLine::Finish(uint64_t events, uint64_t done, uint64_t total) {
  if (!enabled_) return;
  Draw(events, done, total);
  std::fputc('\n', stderr);
}

void ProgressLine::Draw(uint64_t events, uint64_t done, uint64_t total) {
  double elapsed = static_cast<double>(clock_->MonotonicMicros() - start_us_) / 1e6;
  std::string line = FormatProgress(label_, events, done, total, elapsed);
  std::fprintf(stderr, "\r%s   ", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace vw::forensics
