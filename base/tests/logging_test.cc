#include "base/logging.h"

#include <gtest/gtest.h>

namespace vw {
namespace {

TEST(LoggingTest, RedactsSecrets) {
  EXPECT_EQ(RedactIfSecret("sasl.password", "hunter2"), "***");
  EXPECT_EQ(RedactIfSecret("ssl.key.password", "x"), "***");
  EXPECT_EQ(RedactIfSecret("PSEUDONYM_HMAC_KEY", "k"), "***");
  EXPECT_EQ(RedactIfSecret("sasl.oauthbearer.config", "principal=a"), "***");
  EXPECT_EQ(RedactIfSecret("bootstrap.servers", "127.0.0.1:9092"), "127.0.0.1:9092");
}

TEST(LoggingTest, WritesStructuredLine) {
  testing::internal::CaptureStderr();
  VW_LOG(Warn, "broker slow").Field("port", 19092).Field("why", "said \"wait\"").Field("ok", true);
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("level=warn"), std::string::npos) << out;
  EXPECT_NE(out.find("msg=\"broker slow\""), std::string::npos) << out;
  EXPECT_NE(out.find("port=19092"), std::string::npos) << out;
  EXPECT_NE(out.find("why=\"said \\\"wait\\\"\""), std::string::npos) << out;

  SetLogFormat(LogFormat::kJson);
  testing::internal::CaptureStderr();
  VW_LOG(Error, "x").Field("n", int64_t{3});
  out = testing::internal::GetCapturedStderr();
  SetLogFormat(LogFormat::kLogfmt);
  EXPECT_EQ(out.front(), '{');
  EXPECT_NE(out.find("\"n\":3"), std::string::npos) << out;
}

TEST(LoggingTest, BelowLevelIsSilent) {
  SetLogLevel(LogLevel::kWarn);
  testing::internal::CaptureStderr();
  VW_LOG(Info, "quiet");
  std::string out = testing::internal::GetCapturedStderr();
  SetLogLevel(LogLevel::kInfo);
  EXPECT_TRUE(out.empty()) << out;
}

}  // namespace
}  // namespace vw
