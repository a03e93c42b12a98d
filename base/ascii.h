// ASCII case folding for identifiers Azure spells in varying case (resource ids, UPNs, names).
// Only A-Z change: UTF-8 bytes pass through untouched, which is what Azure's case-insensitive
// comparisons of these ASCII identifiers need. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace vw {

constexpr char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

}  // namespace vw
