// Structured logging: one line per event on stderr, as logfmt (default) or JSON lines.
//
//   VW_LOG(Info, "broker up").Field("port", 19092).Field("pid", pid);
//
// Fields are key/value pairs so log pipelines can index them. Never log secret values: config
// values whose key looks like a secret (password, secret, token, key material) are redacted by
// RedactIfSecret(), which every place that logs configuration must use.
//
// Thread-safety: lines are written with a single write(2), so concurrent lines do not interleave.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vw {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kLogfmt, kJson };

// Process-wide settings; set once at start-up (from flags or VW_LOG_LEVEL / VW_LOG_FORMAT).
void SetLogLevel(LogLevel level);
void SetLogFormat(LogFormat format);
LogLevel GetLogLevel();
// Reads VW_LOG_LEVEL (debug|info|warn|error) and VW_LOG_FORMAT (logfmt|json) if set.
void InitLoggingFromEnv();

// "***" if `key` names a secret (sasl.password, ssl.key.password, *.secret, *token*...), else value.
std::string_view RedactIfSecret(std::string_view key, std::string_view value);

// One log line under construction; written when it goes out of scope.
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view msg, const char* file, int line);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Field(std::string_view key, std::string_view value);
  LogLine& Field(std::string_view key, const char* value) { return Field(key, std::string_view(value)); }
  LogLine& Field(std::string_view key, const std::string& value) { return Field(key, std::string_view(value)); }
  LogLine& Field(std::string_view key, int64_t value);
  LogLine& Field(std::string_view key, int value) { return Field(key, static_cast<int64_t>(value)); }
  LogLine& Field(std::string_view key, uint64_t value);
  LogLine& Field(std::string_view key, double value);
  LogLine& Field(std::string_view key, bool value);

 private:
  void AppendKey(std::string_view key);
  void AppendQuoted(std::string_view value);
  bool enabled_;
  std::string buf_;
};

}  // namespace vw

#define VW_LOG(level, msg) ::vw::LogLine(::vw::LogLevel::k##level, (msg), __FILE__, __LINE__)
