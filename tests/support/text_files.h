// Small file helpers shared by the tests that check a command's output files (header-only).
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vw::testing {

// The whole file, or "" if it cannot be read (the test's own assertions then fail).
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The non-empty lines of `text`.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

}  // namespace vw::testing
