#include "generator/sinks.h"

#include <gtest/gtest.h>

#include "generator/tests/test_util.h"

namespace vw::gen {
namespace {

class FailingSink final : public OutputSink {
 public:
  Status Write(std::string_view, const std::vector<uint32_t>&) override {
    return ++writes > 1 ? Status::IOError("disk full") : Status::OK();
  }
  Status Close() override { return Status::OK(); }
  int writes = 0;
};

TEST(AsyncSinkTest, PassesBatchesInOrder) {
  testing::StringSink inner;
  {
    AsyncSink async(&inner, 2);
    for (int i = 0; i < 100; ++i) {
      std::string line = "line " + std::to_string(i) + "\n";
      ASSERT_TRUE(async.Write(line, {static_cast<uint32_t>(line.size())}).ok());
    }
    ASSERT_TRUE(async.Close().ok());
  }
  EXPECT_TRUE(inner.closed);
  std::string want;
  for (int i = 0; i < 100; ++i) want += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(inner.text, want);
  EXPECT_EQ(inner.message_ends.size(), 100u);
}

TEST(AsyncSinkTest, ReportsTheInnerError) {
  FailingSink inner;
  AsyncSink async(&inner, 1);
  Status last;
  for (int i = 0; i < 50 && last.ok(); ++i) last = async.Write("x\n", {2});
  Status closed = async.Close();
  EXPECT_FALSE(last.ok() && closed.ok());
  EXPECT_EQ((last.ok() ? closed : last).code(), StatusCode::kIOError);
}

TEST(RateLimitedSinkTest, SleepsToTheRate) {
  testing::StringSink inner;
  // Real sleeping, kept tiny: 200 messages at 10,000/s is ~20 ms.
  RateLimitedSink limited(&inner, 10000, SystemClock::Default());
  std::string data;
  std::vector<uint32_t> ends;
  for (int i = 0; i < 200; ++i) {
    data += "m\n";
    ends.push_back(static_cast<uint32_t>(data.size()));
  }
  int64_t t0 = SystemClock::Default()->MonotonicMicros();
  ASSERT_TRUE(limited.Write(data, ends).ok());
  int64_t took = SystemClock::Default()->MonotonicMicros() - t0;
  EXPECT_GE(took, 15000) << "200 messages at 10,000/s take >= ~20 ms";
  EXPECT_EQ(inner.text, data);
  EXPECT_EQ(inner.message_ends.size(), 200u);
}

}  // namespace
}  // namespace vw::gen
