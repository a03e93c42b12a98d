// The AccessEvent wire-format helpers of engine.h: StripIgnoredFields, ClearIgnoredFields and
// ParseEventReusing.
#include "processors/detectors/engine.h"
#include "processors/detectors/engine_varint.h"
#include "processors/ingest/ingest.h"

namespace vw::detect {

using internal::Reader;

namespace {

// Field numbers below 32 of the AccessEvent fields no detector reads (engine.h).
constexpr uint32_t kIgnoredFields =
    1u << v1::AccessEvent::kSubscriptionIdFieldNumber |
    1u << v1::AccessEvent::kResourceGroupFieldNumber |
    1u << v1::AccessEvent::kOperationVersionFieldNumber |
    1u << v1::AccessEvent::kClientInfoFieldNumber | 1u << v1::AccessEvent::kRequestUriFieldNumber |
    1u << v1::AccessEvent::kSourceFieldNumber | 1u << v1::AccessEvent::kCategoryFieldNumber;

}  // namespace

bool StripIgnoredFields(std::string_view bytes, std::string* out) {
  out->clear();
  Reader r(bytes);
  size_t keep = 0;  // the first byte to keep that is not copied yet
  while (!r.done()) {
    const size_t field = bytes.size() - r.left();
    uint64_t tag, value;
    if (!r.U(&tag)) return false;
    switch (tag & 7) {  // the wire type
      case 0:           // varint
        if (!r.U(&value)) return false;
        break;
      case 1:  // 64-bit
        if (!r.Skip(8)) return false;
        break;
      case 5:  // 32-bit
        if (!r.Skip(4)) return false;
        break;
      case 2:  // length-delimited: every ignored field is one
        if (!r.U(&value) || !r.Skip(value)) return false;
        if (const uint64_t number = tag >> 3; number < 32 && (kIgnoredFields >> number & 1) != 0) {
          out->append(bytes.substr(keep, field - keep));
          keep = bytes.size() - r.left();
        }
        break;
      default:  // groups (proto2 only) and invalid wire types
        return false;
    }
  }
  out->append(bytes.substr(keep));
  return true;
}

void ClearIgnoredFields(v1::AccessEvent* e) {
  e->clear_subscription_id();
  e->clear_resource_group();
  e->clear_operation_version();
  e->clear_client_info();
  e->clear_request_uri();
  e->clear_source();
  e->clear_category();
}

// proto3's AccessEvent::Clear() (so ParseFromArray) deletes the sub-messages: every parse freed
// and reallocated the Caller and SourcePosition and their strings, about 10% of a detector
// stage's CPU. Here they are kept (ingest::ClearForReuse) and the bytes merged in.
bool ParseEventReusing(std::string_view bytes, v1::AccessEvent* e) {
  const bool had_caller = e->has_caller(), had_source = e->has_source();
  ingest::ClearForReuse(e);
  if (!e->ParseFrom<google::protobuf::MessageLite::kMerge>(
          google::protobuf::StringPiece(bytes.data(), bytes.size()))) {
    return false;
  }
  // A message field's presence is its pointer: a re-attached one still empty may be absent from
  // the bytes (or present and empty). Rare (ingest always sets both); redone the plain way.
  if ((had_caller && e->caller().ByteSizeLong() == 0) ||
      (had_source && e->source().ByteSizeLong() == 0)) {
    return e->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  }
  return true;
}

}  // namespace vw::detect
