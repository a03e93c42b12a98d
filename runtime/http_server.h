// HttpServer: a small HTTP/1.1 endpoint on Boost.Asio serving /metrics (Prometheus text),
// /healthz and /readyz from a Metrics object. Binds 127.0.0.1 by default: exposing it wider is an
// explicit configuration choice (metrics.address). GET only; one request per connection.
//
// Owns one thread running its io_context; Stop() (or the destructor) joins it.
// Thread-safety: Start/Stop from one thread; Metrics is read concurrently (it is thread-safe).
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "base/result.h"
#include "runtime/metrics.h"

namespace vw::runtime {

class HttpServer {
 public:
  // Binds and starts serving. `port` 0 picks a free port (see port()).
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& address, int port,
                                                   const Metrics* metrics);
  ~HttpServer();
  void Stop();
  int port() const { return port_; }

  // Routes a request path to (status line, content type, body); exposed for unit tests.
  static void Route(const std::string& path, const Metrics& metrics, int* status, std::string* type,
                    std::string* body);

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace vw::runtime
