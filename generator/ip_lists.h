// IpList: one threat-intel style list file (configs/threat-intel/*.txt): one IPv4/IPv6 address or
// CIDR per line, '#' starts a comment, blank lines ignored.
//
// The generator draws attacker and benign addresses from these lists (so the detectors, which load
// the same files, see exactly the addresses they are meant to flag), and checks that benign
// addresses never fall inside a threat list.
//
// Thread-safety: immutable after Load; const methods may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "generator/rng.h"

namespace vw::gen {

class IpList {
 public:
  // Parses `text` (the contents of a list file); `name` is used in error messages.
  static Result<IpList> Parse(std::string_view text, std::string_view name);
  static Result<IpList> Load(const std::string& path);

  // True if the IPv4 address `text` lies in one of the IPv4 entries.
  bool ContainsV4(std::string_view text) const;
  // A deterministic address from the list: an entry chosen uniformly, then a host inside it
  // (avoiding the network and broadcast addresses of IPv4 ranges wider than /31). IPv6 entries are
  // returned as written (only single addresses are sampled inside; CIDR v6 entries are skipped).
  std::string Sample(Rng& rng) const;
  size_t size() const { return v4_.size() + v6_.size(); }
  bool empty() const { return size() == 0; }

 private:
  struct V4Range {
    uint32_t base;
    int prefix;
  };
  std::vector<V4Range> v4_;
  std::vector<std::string> v6_;  // single IPv6 addresses, as written
};

// "a.b.c.d" -> host-order integer; false if not a dotted quad.
bool ParseIpv4(std::string_view text, uint32_t* out);
std::string FormatIpv4(uint32_t ip);

}  // namespace vw::gen
