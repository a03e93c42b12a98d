#include "base/json_escape.h"

#include <gtest/gtest.h>

#include <string>

namespace vw {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(JsonEscapeTest, PlainAndEmpty) {
  EXPECT_EQ(Quoted(""), "\"\"");
  EXPECT_EQ(Quoted("kv-prod/secrets"), "\"kv-prod/secrets\"");
}

TEST(JsonEscapeTest, QuotesAndBackslashes) { EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\""); }

TEST(JsonEscapeTest, ShortFormsForNewlineReturnTab) {
  EXPECT_EQ(Quoted("a\nb\rc\td"), "\"a\\nb\\rc\\td\"");
}

TEST(JsonEscapeTest, OtherControlBytesAsLowercaseUnicodeEscapes) {
  EXPECT_EQ(Quoted(std::string_view("\0", 1)), "\"\\u0000\"");
  EXPECT_EQ(Quoted("\x01\x1f\x1b\b\f"), "\"\\u0001\\u001f\\u001b\\u0008\\u000c\"");
}

TEST(JsonEscapeTest, Utf8AndHtmlCharactersUnchanged) {
  EXPECT_EQ(Quoted("caf\xc3\xa9 <a>&\x7f"), "\"caf\xc3\xa9 <a>&\x7f\"");
}

TEST(JsonEscapeTest, AppendsToExistingContent) {
  std::string out = "{\"k\":";
  AppendJsonString(&out, "v");
  EXPECT_EQ(out, "{\"k\":\"v\"");
}

}  // namespace
}  // namespace vw
