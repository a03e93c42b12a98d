#include "runtime/http_server.h"

#include <boost/asio.hpp>

#include "base/logging.h"

namespace vw::runtime {

namespace asio = boost::asio;
using asio::ip::tcp;

struct HttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  const Metrics* metrics = nullptr;

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted) Accept();
        return;
      }
      Serve(std::make_shared<tcp::socket>(std::move(socket)));
      Accept();
    });
  }

  void Serve(std::shared_ptr<tcp::socket> socket) {
    auto buf = std::make_shared<asio::streambuf>(16 * 1024);
    asio::async_read_until(
        *socket, *buf, "\r\n\r\n", [this, socket, buf](boost::system::error_code ec, size_t) {
          if (ec) return;  // a client that sends no full request gets nothing
          std::istream in(buf.get());
          std::string method, path, version;
          in >> method >> path >> version;
          int status = 200;
          std::string type, body;
          if (method != "GET" && method != "HEAD") {
            status = 405;
            type = "text/plain";
            body = "method not allowed\n";
          } else {
            Route(path, *metrics, &status, &type, &body);
          }
          const char* reason = status == 200   ? "OK"
                               : status == 404 ? "Not Found"
                               : status == 405 ? "Method Not Allowed"
                                               : "Service Unavailable";
          auto out = std::make_shared<std::string>(
              "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
              "\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\nConnection: close\r\n\r\n" + (method == "HEAD" ? std::string() : body));
          asio::async_write(*socket, asio::buffer(*out),
                            [socket, out](boost::system::error_code, size_t) {
                              boost::system::error_code ignored;
                              socket->shutdown(tcp::socket::shutdown_both, ignored);
                            });
        });
  }
};

void HttpServer::Route(const std::string& path, const Metrics& metrics, int* status,
                       std::string* type, std::string* body) {
  *type = "text/plain; charset=utf-8";
  std::string p = path.substr(0, path.find('?'));
  if (p == "/metrics") {
    *type = "text/plain; version=0.0.4; charset=utf-8";
    *status = 200;
    *body = metrics.RenderPrometheus();
  } else if (p == "/healthz") {
    *body = metrics.HealthReport();
    *status = *body == "ok\n" ? 200 : 503;
  } else if (p == "/readyz") {
    *status = metrics.ready() ? 200 : 503;
    *body = metrics.ready() ? "ready\n" : "not ready\n";
  } else {
    *status = 404;
    *body = "not found\n";
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& address, int port,
                                                      const Metrics* metrics) {
  auto impl = std::make_unique<Impl>();
  impl->metrics = metrics;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return Status::InvalidArgument("metrics.address '" + address + "' is not an IP address");
  tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("cannot serve HTTP on " + address + ":" + std::to_string(port) + ": " +
                           ec.message());
  }
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(impl)));
  server->port_ = server->impl_->acceptor.local_endpoint().port();
  server->impl_->Accept();
  server->thread_ = std::thread([s = server.get()] { s->impl_->io.run(); });
  VW_LOG(Info, "http endpoint up").Field("address", address).Field("port", server->port_);
  return server;
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  impl_->io.stop();
  thread_.join();
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace vw::runtime
