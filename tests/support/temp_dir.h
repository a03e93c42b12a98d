// TempDir: a fresh directory under the system's temporary directory (mkdtemp), removed with
// everything in it when the object goes out of scope. For tests (header-only).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace vw::testing {

class TempDir {
 public:
  // `prefix` names the directory (prefix-XXXXXX) so that a leftover one shows which test made it.
  explicit TempDir(const std::string& prefix = "vw-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    char* p = mkdtemp(tmpl.data());
    if (p == nullptr) std::abort();  // no temporary directory: no test can run
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string sub(const std::string& name) const { return path_ + "/" + name; }
  std::string operator/(const std::string& name) const { return sub(name); }

 private:
  std::string path_;
};

}  // namespace vw::testing
