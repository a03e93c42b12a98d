// EventPtr's release and the EventPool (detector.h).
#include "processors/detectors/detector.h"

namespace vw::detect {

void EventPtr::Recycle(BufferedEvent* e) {
  if (e->pool != nullptr) {
    e->pool->Return(e);
  } else {
    delete e;
  }
}

BufferedEvent* EventPool::Take() {
  if (free_.empty()) {
    auto* e = new BufferedEvent();
    e->pool = this;
    return e;
  }
  BufferedEvent* e = free_.back().release();
  free_.pop_back();
  return e;
}

void EventPool::Return(BufferedEvent* e) {
  if (free_.size() < max_pooled_) {
    // Not cleared: Clear() would free sub-messages; whoever refills a slot overwrites every field
    // (Adopt: a Swap with the caller's message or a copy; ProcessSerialized: ParseEventReusing).
    free_.emplace_back(e);
  } else {
    delete e;
  }
}

}  // namespace vw::detect
