// The fixture of the pipeline tests (pipeline_test.cc, pipeline_privacy_test.cc): one generated
// tenant per test program, `vaultwatch detect`'s alerts on it as the expected output, and the
// comparison of committed alerts with them. Needs VW_KAFKA_BOOTSTRAP and VW_BINARY_DIR.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

#include "forensics/alert_record.h"
#include "tests/integration/pipeline_harness.h"
#include "tests/support/kafka_env.h"

namespace vw::testing {

class PipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (Bootstrap().empty()) return;
    std::string bin = Env("VW_BINARY_DIR") + "/apps/vaultwatch";
    data_dir_ = new std::string(
        (std::filesystem::temp_directory_path() / Unique("vw-pipeline-data")).string());
    std::filesystem::create_directories(*data_dir_);
    std::string raw = *data_dir_ + "/raw.ndjson";
    int rc = RunToCompletion(
        {bin, "generate", "--seed", "7", "--days", "10", "--history-days", "8", "--events-per-day",
         "1500", "--output", raw, "--labels", *data_dir_ + "/labels.jsonl", "--quiet"},
        *data_dir_ + "/generate.log", Env("VW_SOURCE_DIR"));
    if (rc != 0) return;
    rc = RunToCompletion({bin, "detect", "--input", raw, "--output", *data_dir_ + "/expected.jsonl",
                          "--no-progress"},
                         *data_dir_ + "/detect.log", Env("VW_SOURCE_DIR"));
    if (rc != 0) return;
    input_ = new std::vector<std::string>(Lines(ReadFile(raw)));
    expected_ = new std::vector<std::string>(Lines(ReadFile(*data_dir_ + "/expected.jsonl")));
    std::sort(expected_->begin(), expected_->end());
  }

  void SetUp() override {
    ASSERT_FALSE(Bootstrap().empty())
        << "VW_KAFKA_BOOTSTRAP is not set: start a broker with scripts/kafka-local start";
    ASSERT_FALSE(Env("VW_BINARY_DIR").empty());
    ASSERT_TRUE(std::filesystem::exists(Env("VW_BINARY_DIR") + "/apps/vaultwatch"));
  }

  void NeedDataset() {
    ASSERT_NE(input_, nullptr) << "generate/detect failed; see " << (data_dir_ ? *data_dir_ : "");
    // ~20k events over 10 days (8 of history) give 59 alerts of 20 types today; fewer than 20
    // would mean the detectors or the generator changed and this test lost its teeth.
    ASSERT_GE(expected_->size(), 20u)
        << "the generated input yields no alerts: the test would prove nothing";
  }

  // Compares committed alerts with `detect`'s, reporting a readable difference.
  static void ExpectSameAlerts(std::vector<std::string> got) {
    std::sort(got.begin(), got.end());
    std::vector<std::string> missing, extra;
    std::set_difference(expected_->begin(), expected_->end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), expected_->begin(), expected_->end(),
                        std::back_inserter(extra));
    EXPECT_EQ(got.size(), expected_->size());
    EXPECT_TRUE(missing.empty()) << missing.size() << " alerts lost, first: " << missing.front();
    EXPECT_TRUE(extra.empty()) << extra.size()
                               << " alerts extra or duplicated, first: " << extra.front();
  }

  // Built once per test program by SetUpTestSuite; never freed (gtest owns no teardown order).
  inline static std::string* data_dir_ = nullptr;
  inline static std::vector<std::string>* input_ = nullptr;
  inline static std::vector<std::string>* expected_ = nullptr;
};

// An alert line of kv.alerts parsed (a failure is reported and gives an empty record).
inline forensics::AlertRecord MustParseAlert(const std::string& json) {
  auto a = forensics::ParseAlertJson(json);
  EXPECT_TRUE(a.ok()) << a.status() << ": " << json;
  return a.ok() ? *a : forensics::AlertRecord{};
}

}  // namespace vw::testing
