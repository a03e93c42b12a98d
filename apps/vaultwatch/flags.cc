#include "apps/vaultwatch/flags.h"

#include <cstdio>
#include <cstdlib>

namespace vw::app {

FlagParser::FlagParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

void FlagParser::String(const std::string& name, std::string* out, const std::string& help,
                        bool required) {
  flags_.push_back({name, Kind::kString, out, help, required});
}
void FlagParser::Int(const std::string& name, int64_t* out, const std::string& help) {
  flags_.push_back({name, Kind::kInt, out, help, false});
}
void FlagParser::Double(const std::string& name, double* out, const std::string& help) {
  flags_.push_back({name, Kind::kDouble, out, help, false});
}
void FlagParser::Bool(const std::string& name, bool* out, const std::string& help) {
  flags_.push_back({name, Kind::kBool, out, help, false});
}
void FlagParser::Positional(std::vector<std::string>* out, const std::string& usage) {
  positional_ = out;
  positional_usage_ = usage;
}

FlagParser::Flag* FlagParser::Find(const std::string& name) {
  for (auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

void FlagParser::PrintUsage() const {
  std::fprintf(stderr, "usage: vaultwatch %s [flags] %s\n  %s\n\nflags:\n", command_.c_str(),
               positional_usage_.c_str(), summary_.c_str());
  for (const auto& f : flags_) {
    const char* arg = f.kind == Kind::kBool ? "" : f.kind == Kind::kString ? " VALUE" : " N";
    std::string def;
    if (f.kind == Kind::kString && !static_cast<std::string*>(f.out)->empty()) {
      def = " (default " + *static_cast<std::string*>(f.out) + ")";
    } else if (f.kind == Kind::kInt) {
      def = " (default " + std::to_string(*static_cast<int64_t*>(f.out)) + ")";
    } else if (f.kind == Kind::kDouble) {
      def = " (default " + std::to_string(*static_cast<double*>(f.out)) + ")";
    }
    // A help text that states its default itself (often in words: "default: built-in") is not
    // given the value a second time.
    if (f.help.find("(default") != std::string::npos) def.clear();
    std::fprintf(stderr, "  --%s%s\n      %s%s%s\n", f.name.c_str(), arg, f.help.c_str(),
                 def.c_str(), f.required ? " [required]" : "");
  }
}

int FlagParser::Parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      PrintUsage();
      return 0;
    }
    if (a.rfind("--", 0) != 0 || a == "-") {
      if (positional_) {
        positional_->push_back(a);
        continue;
      }
      std::fprintf(stderr, "vaultwatch %s: unexpected argument '%s' (see --help)\n",
                   command_.c_str(), a.c_str());
      return 2;
    }
    std::string name = a.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    Flag* f = Find(name);
    if (!f) {
      std::fprintf(stderr, "vaultwatch %s: unknown flag --%s (see --help)\n", command_.c_str(),
                   name.c_str());
      return 2;
    }
    f->seen = true;
    if (f->kind == Kind::kBool) {
      *static_cast<bool*>(f->out) = !has_value || value == "true" || value == "1";
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "vaultwatch %s: --%s needs a value\n", command_.c_str(), name.c_str());
        return 2;
      }
      value = argv[++i];
    }
    char* end = nullptr;
    switch (f->kind) {
      case Kind::kString:
        *static_cast<std::string*>(f->out) = value;
        break;
      case Kind::kInt: {
        long long v = std::strtoll(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0') {
          std::fprintf(stderr, "vaultwatch %s: --%s wants an integer, got '%s'\n", command_.c_str(),
                       name.c_str(), value.c_str());
          return 2;
        }
        *static_cast<int64_t*>(f->out) = v;
        break;
      }
      case Kind::kDouble: {
        double v = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0') {
          std::fprintf(stderr, "vaultwatch %s: --%s wants a number, got '%s'\n", command_.c_str(),
                       name.c_str(), value.c_str());
          return 2;
        }
        *static_cast<double*>(f->out) = v;
        break;
      }
      case Kind::kBool:
        break;
    }
  }
  for (const auto& f : flags_) {
    if (f.required && !f.seen) {
      std::fprintf(stderr, "vaultwatch %s: --%s is required (see --help)\n", command_.c_str(),
                   f.name.c_str());
      return 2;
    }
  }
  return -1;
}

}  // namespace vw::app
