#include "base/logging.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "base/time_format.h"

namespace vw {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kLogfmt)};

std::string_view LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

bool Json() { return g_format.load() == static_cast<int>(LogFormat::kJson); }

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
void SetLogFormat(LogFormat format) { g_format.store(static_cast<int>(format)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

void InitLoggingFromEnv() {
  if (const char* l = std::getenv("VW_LOG_LEVEL")) {
    std::string_view s(l);
    if (s == "debug") SetLogLevel(LogLevel::kDebug);
    if (s == "info") SetLogLevel(LogLevel::kInfo);
    if (s == "warn") SetLogLevel(LogLevel::kWarn);
    if (s == "error") SetLogLevel(LogLevel::kError);
  }
  if (const char* f = std::getenv("VW_LOG_FORMAT")) {
    SetLogFormat(std::string_view(f) == "json" ? LogFormat::kJson : LogFormat::kLogfmt);
  }
}

std::string_view RedactIfSecret(std::string_view key, std::string_view value) {
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  for (std::string_view needle : {"password", "secret", "token", "credential", "key.pem",
                                  "private", "sasl.oauthbearer.config", "hmac"}) {
    if (k.find(needle) != std::string::npos) return "***";
  }
  return value;
}

LogLine::LogLine(LogLevel level, std::string_view msg, const char* file, int line)
    : enabled_(static_cast<int>(level) >= g_level.load()) {
  if (!enabled_) return;
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::string_view f(file);
  if (auto slash = f.rfind('/'); slash != std::string_view::npos) f = f.substr(slash + 1);
  if (Json()) buf_ += '{';
  Field("ts", FormatRfc3339(EventTime::FromMicros(now)));
  Field("level", LevelName(level));
  Field("msg", msg);
  Field("src", std::string(f) + ":" + std::to_string(line));
}

LogLine::~LogLine() {
  if (!enabled_) return;
  if (Json()) buf_ += '}';
  buf_ += '\n';
  ssize_t rc = ::write(STDERR_FILENO, buf_.data(), buf_.size());
  (void)rc;  // nowhere to report a failure to write the log
}

void LogLine::AppendKey(std::string_view key) {
  if (Json()) {
    if (buf_.size() > 1) buf_ += ',';
    AppendQuoted(key);
    buf_ += ':';
  } else {
    if (!buf_.empty()) buf_ += ' ';
    buf_.append(key);
    buf_ += '=';
  }
}

void LogLine::AppendQuoted(std::string_view v) {
  buf_ += '"';
  for (char c : v) {
    switch (c) {
      case '"': buf_ += "\\\""; break;
      case '\\': buf_ += "\\\\"; break;
      case '\n': buf_ += "\\n"; break;
      case '\r': buf_ += "\\r"; break;
      case '\t': buf_ += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          buf_ += esc;
        } else {
          buf_ += c;
        }
    }
  }
  buf_ += '"';
}

LogLine& LogLine::Field(std::string_view key, std::string_view value) {
  if (!enabled_) return *this;
  AppendKey(key);
  bool bare = !Json() && !value.empty() &&
              std::none_of(value.begin(), value.end(), [](char c) {
                return c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20;
              });
  if (bare) {
    buf_.append(value);
  } else {
    AppendQuoted(value);
  }
  return *this;
}

LogLine& LogLine::Field(std::string_view key, int64_t value) {
  if (!enabled_) return *this;
  AppendKey(key);
  buf_ += std::to_string(value);
  return *this;
}

LogLine& LogLine::Field(std::string_view key, uint64_t value) {
  if (!enabled_) return *this;
  AppendKey(key);
  buf_ += std::to_string(value);
  return *this;
}

LogLine& LogLine::Field(std::string_view key, double value) {
  if (!enabled_) return *this;
  AppendKey(key);
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", value);
  buf_ += b;
  return *this;
}

LogLine& LogLine::Field(std::string_view key, bool value) {
  if (!enabled_) return *this;
  AppendKey(key);
  buf_ += value ? "true" : "false";
  return *this;
}

}  // namespace vw
