// JSON string literals: the one escaper the modules that write JSON by hand share.
#pragma once

#include <string>
#include <string_view>

namespace vw {

// Appends `s` to `*out` as a quoted JSON string: '"' and '\\' are backslash-escaped, '\n', '\r'
// and '\t' take their short forms, other bytes below 0x20 become "\u00xx" (lowercase hex), and
// every other byte (UTF-8 included) is copied as is. No HTML-safe escaping of '<', '>', '&'.
// Pure function of its input; never fails.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace vw
