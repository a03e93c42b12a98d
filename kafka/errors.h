// How librdkafka's errors map onto vw::Status codes, so that callers act on the error class and
// never on librdkafka types (see librdkafka examples/transactions.c for the classes):
//
//   kUnavailable  retriable: the same call may succeed if repeated (timeouts, broker down)
//   kAborted      the current transaction must be aborted; rewind the input to the committed
//                 offsets and redo the work (txn_requires_abort)
//   kFatal        the client object is unusable (fenced, fatal idempotence/sequence error): destroy
//                 it, create a new one, and resume from the committed offsets
//   other codes   configuration or programming errors (InvalidArgument, Internal)
#pragma once

#include "base/status.h"

namespace vw::kafka {

inline bool IsRetriable(const Status& s) { return s.code() == StatusCode::kUnavailable; }
inline bool RequiresAbort(const Status& s) { return s.code() == StatusCode::kAborted; }
inline bool IsFatal(const Status& s) { return s.code() == StatusCode::kFatal; }

}  // namespace vw::kafka
