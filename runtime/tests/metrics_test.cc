#include "runtime/metrics.h"

#include <gtest/gtest.h>

#include "runtime/http_server.h"

namespace vw::runtime {
namespace {

TEST(MetricsTest, CountsOnlyCommittedDeltasAndRendersPrometheus) {
  Metrics m;
  CounterDelta d;
  d.events_in = 10;
  d.accepted = 8;
  d.deadlettered = 2;
  d.end_of_input_flushes = 4;
  d.alerts_by_type["KV_TORAccess"] = 3;
  m.AddCommitted(d);
  m.ObserveCommit(0.02);
  m.SetLag("ingest/0", 42);
  std::string text = m.RenderPrometheus();
  EXPECT_NE(text.find("vaultwatch_events_in_total 10\n"), std::string::npos);
  EXPECT_NE(text.find("vaultwatch_events_deadlettered_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("vaultwatch_end_of_input_flushes_total 4\n"), std::string::npos);
  EXPECT_EQ(m.end_of_input_flushes(), 4u);
  EXPECT_NE(text.find("vaultwatch_alerts_total{type=\"KV_TORAccess\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("vaultwatch_commit_latency_seconds_bucket{le=\"0.025\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("vaultwatch_commit_latency_seconds_bucket{le=\"0.01\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("vaultwatch_consumer_lag{worker=\"ingest/0\"} 42\n"), std::string::npos);
}

TEST(MetricsTest, ReadyOnlyWhenEveryWorkerIsReady) {
  Metrics m;
  EXPECT_FALSE(m.ready());
  m.SetExpectedWorkers(2);
  m.SetWorkerReady("ingest/0", true);
  EXPECT_FALSE(m.ready());
  m.SetWorkerReady("vault/0", true);
  EXPECT_TRUE(m.ready());
  int status = 0;
  std::string type, body;
  HttpServer::Route("/readyz", m, &status, &type, &body);
  EXPECT_EQ(status, 200);
  m.SetWorkerReady("vault/0", false);
  HttpServer::Route("/readyz", m, &status, &type, &body);
  EXPECT_EQ(status, 503);
  HttpServer::Route("/nope", m, &status, &type, &body);
  EXPECT_EQ(status, 404);
  HttpServer::Route("/healthz", m, &status, &type, &body);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "ok\n");
  m.SetWorkerProblem("vault/0", "stuck: transactions keep aborting (5 in a row); see the log");
  m.SetWorkerProblem("caller/0", "restarting after a failure");
  HttpServer::Route("/healthz", m, &status, &type, &body);
  EXPECT_EQ(status, 503);
  EXPECT_EQ(body,
            "caller/0: restarting after a failure\n"
            "vault/0: stuck: transactions keep aborting (5 in a row); see the log\n");
  EXPECT_NE(m.RenderPrometheus().find("vaultwatch_healthy 0\n"), std::string::npos);
  m.SetWorkerProblem("caller/0", "");
  HttpServer::Route("/healthz", m, &status, &type, &body);
  EXPECT_EQ(status, 503) << "one worker is still stuck";
  m.SetWorkerProblem("vault/0", "");
  HttpServer::Route("/healthz", m, &status, &type, &body);
  EXPECT_EQ(status, 200);
  EXPECT_NE(m.RenderPrometheus().find("vaultwatch_healthy 1\n"), std::string::npos);
}

TEST(MetricsTest, AbortsInARowPerWorker) {
  Metrics m;
  m.SetAbortsInARow("vault/0", 7);
  m.SetAbortsInARow("caller/0", 0);
  std::string text = m.RenderPrometheus();
  EXPECT_NE(text.find("vaultwatch_transactions_aborted_in_a_row{worker=\"vault/0\"} 7\n"),
            std::string::npos);
  EXPECT_NE(text.find("vaultwatch_transactions_aborted_in_a_row{worker=\"caller/0\"} 0\n"),
            std::string::npos);
}

}  // namespace
}  // namespace vw::runtime
