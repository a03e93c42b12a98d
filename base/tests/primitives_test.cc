// The primitives written once in base/: varints, FNV-1a, Trim, JsonWriter.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "base/ascii.h"
#include "base/hash.h"
#include "base/json_writer.h"
#include "base/varint.h"

namespace vw {
namespace {

TEST(VarintTest, RoundTripsAndKnownBytes) {
  std::string s;
  PutVarint64(&s, 300);
  EXPECT_EQ(s, std::string("\xAC\x02"));  // the protobuf documentation's example
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 16383ull, 16384ull, (1ull << 35) + 5, ~0ull}) {
    std::string b;
    PutVarint64(&b, v);
    b += "rest";
    std::string_view in = b;
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(&in, &got)) << v;
    EXPECT_EQ(got, v);
    EXPECT_EQ(in, "rest");
  }
  std::string max;
  PutVarint64(&max, ~0ull);
  EXPECT_EQ(max.size(), static_cast<size_t>(kMaxVarint64Bytes));
}

TEST(VarintTest, TruncatedAndOverlongFail) {
  uint64_t v = 0;
  std::string_view truncated("\x80\x80", 2);
  EXPECT_FALSE(GetVarint64(&truncated, &v));
  std::string_view empty;
  EXPECT_FALSE(GetVarint64(&empty, &v));
  // Six bytes: too long for a 32-bit varint (at most five), fine for a 64-bit one.
  const std::string six("\x80\x80\x80\x80\x80\x01", 6);
  std::string_view in = six;
  EXPECT_FALSE(GetVarint64(&in, &v, kMaxVarint32Bytes));
  in = six;
  ASSERT_TRUE(GetVarint64(&in, &v));
  EXPECT_EQ(v, 1ull << 35);
  const std::string eleven(11, '\x80');
  in = eleven;
  EXPECT_FALSE(GetVarint64(&in, &v));
}

TEST(VarintTest, ZigZag) {
  EXPECT_EQ(ZigZag(0), 0u);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  for (int64_t v : {int64_t{0}, int64_t{-5}, int64_t{7}, INT64_MIN, INT64_MAX}) {
    EXPECT_EQ(UnZigZag(ZigZag(v)), v);
  }
}

// FNV-1a's published test vectors: the hash is stored and published, so it must never change.
TEST(Fnv1aTest, PublishedVectors) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(Fnv1a64("bar", Fnv1a64("foo")), Fnv1a64("foobar"));
}

TEST(TrimTest, BlanksAndAGivenSet) {
  EXPECT_EQ(Trim(" \t\r\n x y \n"), "x y");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim(" \n "), "");
  EXPECT_EQ(Trim("\f x\v"), "\f x\v");  // only the four blanks
  EXPECT_EQ(Trim(" 10.0.0.1\r\n", " \t\r"), "10.0.0.1\r\n");
  EXPECT_EQ(Trim("\t10.0.0.1 \r", " \t\r"), "10.0.0.1");
}

TEST(JsonWriterTest, NestedObjectsNumbersAndEscapes) {
  JsonWriter w;
  w.BeginObject();
  w.Key("n").Uint(12);
  w.Key("d").Double6g(1234567);
  w.Key("s").String("a\"b");
  w.Key("o").BeginObject();
  w.Key("x").Uint(1);
  w.Key("y").Raw("[1,2]");
  w.EndObject();
  w.Key("empty").BeginObject().EndObject();
  w.EndObject();
  EXPECT_EQ(w.str(),
            "{\"n\":12,\"d\":1.23457e+06,\"s\":\"a\\\"b\",\"o\":{\"x\":1,\"y\":[1,2]},"
            "\"empty\":{}}");
}

}  // namespace
}  // namespace vw
