#include "base/json_writer.h"

#include <cstdio>
#include <utility>

#include "base/json_escape.h"

namespace vw {

void JsonWriter::BeforeValue() {
  if (!after_key_ && after_value_) out_ += ',';
  after_key_ = false;
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_ += '{';
  after_value_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_ += '}';
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  if (after_value_) out_ += ',';
  AppendJsonString(&out_, key);
  out_ += ':';
  after_key_ = true;
  after_value_ = false;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(&out_, value);
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  out_ += std::to_string(value);
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::Double6g(double value) {
  BeforeValue();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  out_ += buf;
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_.append(json);
  after_value_ = true;
  return *this;
}

}  // namespace vw
