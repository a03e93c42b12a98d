// Test support: one HTTP GET to 127.0.0.1 over a real socket (Boost.Asio), returning the whole
// response (status line, headers, body) as the server sent it before closing.
#pragma once

#include <boost/asio.hpp>
#include <string>

namespace vw::testing {

inline std::string HttpGet(int port, const std::string& path) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, ec);
  if (ec) return "";
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  asio::write(socket, asio::buffer(req), ec);
  std::string out;
  char buf[4096];
  while (!ec) {
    size_t n = socket.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
  }
  return out;
}

}  // namespace vw::testing
