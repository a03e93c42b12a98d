// The real endpoint over a real socket: bound to 127.0.0.1, answers GET /metrics, /healthz,
// /readyz and 404s the rest.
#include "runtime/http_server.h"

#include <gtest/gtest.h>

#include "tests/support/http_get.h"

namespace vw::runtime {
namespace {

using vw::testing::HttpGet;

TEST(HttpServerTest, ServesMetricsHealthAndReadiness) {
  Metrics m;
  CounterDelta d;
  d.events_in = 5;
  m.AddCommitted(d);
  auto server = HttpServer::Start("127.0.0.1", 0, &m);
  ASSERT_TRUE(server.ok()) << server.status();
  int port = (*server)->port();
  ASSERT_GT(port, 0);
  std::string metrics = HttpGet(port, "/metrics");
  EXPECT_EQ(metrics.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << metrics;
  EXPECT_NE(metrics.find("vaultwatch_events_in_total 5\n"), std::string::npos);
  EXPECT_EQ(HttpGet(port, "/healthz").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(HttpGet(port, "/readyz").rfind("HTTP/1.1 503", 0), 0u);  // no workers yet
  EXPECT_EQ(HttpGet(port, "/secret").rfind("HTTP/1.1 404", 0), 0u);
  (*server)->Stop();
}

TEST(HttpServerTest, RejectsANonAddress) {
  Metrics m;
  auto server = HttpServer::Start("localhost:80", 0, &m);
  EXPECT_FALSE(server.ok());
}

}  // namespace
}  // namespace vw::runtime
