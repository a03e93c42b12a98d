// ASCII helpers: case folding for identifiers Azure spells in varying case (resource ids, UPNs,
// names), and trimming of blanks. Only ASCII bytes change or count: UTF-8 bytes pass through
// untouched, which is what Azure's case-insensitive comparisons of these ASCII identifiers need.
// Pure functions; thread-safe.
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

// The blanks of the text formats read here (JSON, NDJSON, lists): ' ', '\t', '\r', '\n'. One
// comparison for the usual byte (anything above ' '), four only for the few below it.
constexpr bool IsAsciiBlank(char c) {
  return static_cast<unsigned char>(c) <= ' ' && (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

// `s` without its leading and trailing blanks (IsAsciiBlank).
constexpr std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiBlank(s.back())) s.remove_suffix(1);
  return s;
}

// `s` without its leading and trailing bytes that are in `blanks` (e.g. " \t\r" for a line that
// keeps meaning in a newline).
constexpr std::string_view Trim(std::string_view s, std::string_view blanks) {
  while (!s.empty() && blanks.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && blanks.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

}  // namespace vw
