// JsonWriter: one JSON value written by hand, in order, without a DOM: for the summaries the
// commands print (`detect --summary-json` and its governance member). Keys and strings are
// escaped by AppendJsonString; numbers are written as given. The writer does not check the
// grammar: Key only inside an object, one value per key (a misuse gives malformed JSON, never a
// crash). Not thread-safe (one writer per output).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vw {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  // A member's key (with the comma before it when the object already has a member).
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Uint(uint64_t value);
  // printf's "%.6g": six significant digits, exponent form for large values (1.23457e+06).
  JsonWriter& Double6g(double value);
  // Bytes that are already JSON (a nested value made elsewhere), as they are.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  std::string out_;
  bool after_value_ = false;  // the last thing written ends a value (or member)
  bool after_key_ = false;    // a key was written and waits for its value
};

}  // namespace vw
