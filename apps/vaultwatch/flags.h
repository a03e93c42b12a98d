// A small, strict command-line flag parser: "--name value", "--name=value" and boolean "--name".
// Unknown flags and missing values are errors (a typo must not silently change behaviour).
//
//   FlagParser flags("detect", "Run every detector over a file");
//   std::string input = "-";
//   flags.String("input", &input, "FILE or - for stdin");
//   if (int rc = flags.Parse(argc, argv); rc >= 0) return rc;   // --help or an error
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vw::app {

class FlagParser {
 public:
  FlagParser(std::string command, std::string summary);

  void String(const std::string& name, std::string* out, const std::string& help, bool required = false);
  void Int(const std::string& name, int64_t* out, const std::string& help);
  void Double(const std::string& name, double* out, const std::string& help);
  void Bool(const std::string& name, bool* out, const std::string& help);
  // Free arguments (not starting with --) are collected here; without this they are errors.
  void Positional(std::vector<std::string>* out, const std::string& usage);

  // Returns -1 to go on; otherwise the exit code to return now (0 after --help, 2 on error, with
  // the reason printed to stderr).
  int Parse(int argc, char** argv);
  void PrintUsage() const;

 private:
  enum class Kind { kString, kInt, kDouble, kBool };
  struct Flag {
    std::string name;
    Kind kind;
    void* out;
    std::string help;
    bool required;
    bool seen = false;
  };
  Flag* Find(const std::string& name);
  std::string command_, summary_, positional_usage_;
  std::vector<Flag> flags_;
  std::vector<std::string>* positional_ = nullptr;
};

}  // namespace vw::app
