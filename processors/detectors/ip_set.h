// IpSet: a set of IPv4 and IPv6 addresses and CIDR ranges with O(log n) membership tests.
//
// Ranges are kept as sorted, merged [first, last] intervals (IPv4 in 32-bit, IPv6 in 128-bit
// integers) and looked up by binary search, so a list of 100,000 TOR nodes costs ~17 comparisons
// per lookup. An IpSet is immutable once built (IpSetBuilder), so it may be shared across threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vw::detect {

__extension__ typedef unsigned __int128 Uint128;  // GCC/Clang: -Wpedantic-safe spelling

class IpSet {
 public:
  // `ip` is the AccessEvent encoding: 4 bytes (IPv4) or 16 bytes (IPv6). IPv4-mapped IPv6
  // addresses (::ffff:a.b.c.d) are looked up as IPv4. Anything else is not contained.
  bool Contains(std::string_view ip) const;
  bool ContainsText(std::string_view ip_text) const;
  size_t num_ranges() const { return v4_.size() + v6_.size(); }

 private:
  friend class IpSetBuilder;
  struct V4 {
    uint32_t first, last;
  };
  struct V6 {
    Uint128 first, last;
  };
  std::vector<V4> v4_;
  std::vector<V6> v6_;
};

class IpSetBuilder {
 public:
  // "203.0.113.9", "203.0.113.0/24", "2001:db8::1", "2001:db8::/32".
  Status Add(std::string_view ip_or_cidr);
  // One IP or CIDR per line; '#' starts a comment; blank lines are ignored. Errors name the line.
  Status AddText(std::string_view text, std::string_view source_name);
  // Azure service-tags JSON ({"values":[{"name":...,"properties":{"addressPrefixes":[...]}}]}),
  // as Microsoft publishes it ("Azure IP Ranges and Service Tags"): the prefixes of the tags named
  // in `tags` (exact values[].name), or of every tag when `tags` is empty. A named tag that the
  // file lacks is an error (a typo would otherwise silently select nothing).
  Status AddServiceTagsJson(std::string_view json, std::string_view source_name,
                            const std::vector<std::string>& tags = {});
  // The Tor Project's exit-addresses format: "ExitNode <fingerprint>", "Published ...",
  // "LastStatus ...", "ExitAddress <ip> <date> <time>" lines; the ExitAddress ips.
  Status AddTorExitAddresses(std::string_view text, std::string_view source_name);
  IpSet Build();

 private:
  std::vector<IpSet::V4> v4_;
  std::vector<IpSet::V6> v6_;
};

// Parses an address into the AccessEvent encoding (4 or 16 bytes); error if not an address.
Result<std::string> ParseIp(std::string_view text);

}  // namespace vw::detect
