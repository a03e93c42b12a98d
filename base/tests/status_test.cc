#include "base/status.h"

#include <gtest/gtest.h>

#include "base/result.h"

namespace vw {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return Status::InvalidArgument("not positive: " + std::to_string(v));
  return v;
}

Status Doubled(int v, int* out) {
  VW_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  *out = 2 * x;
  return Status::OK();
}

Status Chain(bool fail) {
  VW_RETURN_IF_ERROR(fail ? Status::Unavailable("broker down") : Status::OK());
  return Status::NotFound("reached the end");
}

TEST(StatusTest, OkIsDefaultAndCheap) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(s.message().empty());
}

TEST(StatusTest, CarriesCodeAndMessage) {
  Status s = Status::InvalidArgument("record 7: field 'time' missing");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "InvalidArgument: record 7: field 'time' missing");
  EXPECT_EQ(s.WithContext("input.json").message(), "input.json: record 7: field 'time' missing");
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
}

TEST(StatusTest, ReturnIfErrorPropagates) {
  EXPECT_EQ(Chain(true).code(), StatusCode::kUnavailable);
  EXPECT_EQ(Chain(false).code(), StatusCode::kNotFound);
}

TEST(ResultTest, ValueOrError) {
  int out = 0;
  EXPECT_TRUE(Doubled(21, &out).ok());
  EXPECT_EQ(out, 42);
  Status s = Doubled(-1, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out, 42);
  EXPECT_EQ(ParsePositive(-3).ValueOr(9), 9);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> r = Status::Internal("boom");
  EXPECT_DEATH((void)r.value(), "value\\(\\) on an errored Result");
}

}  // namespace
}  // namespace vw
