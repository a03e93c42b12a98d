#include "generator/ip_lists.h"

#include <fstream>
#include <sstream>

#include "base/ascii.h"

namespace vw::gen {

bool ParseIpv4(std::string_view text, uint32_t* out) {
  uint32_t ip = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
    uint32_t v = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      v = v * 10 + static_cast<uint32_t>(text[i] - '0');
      ++i;
      if (++digits > 3) return false;
    }
    if (v > 255) return false;
    ip = (ip << 8) | v;
    ++parts;
    if (parts < 4) {
      if (i >= text.size() || text[i] != '.') return false;
      ++i;
    }
  }
  if (i != text.size()) return false;
  *out = ip;
  return true;
}

std::string FormatIpv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
         std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}

Result<IpList> IpList::Parse(std::string_view text, std::string_view name) {
  IpList list;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    std::string_view addr = line;
    int prefix = -1;
    if (size_t slash = line.find('/'); slash != std::string_view::npos) {
      addr = line.substr(0, slash);
      std::string_view p = line.substr(slash + 1);
      prefix = 0;
      if (p.empty() || p.size() > 3) prefix = -2;
      for (char c : p) {
        if (c < '0' || c > '9') prefix = -2;
        if (prefix >= 0) prefix = prefix * 10 + (c - '0');
      }
      if (prefix == -2) {
        return Status::InvalidArgument(std::string(name) + ":" + std::to_string(line_no) +
                                       ": bad prefix length in '" + std::string(line) + "'");
      }
    }
    uint32_t v4 = 0;
    if (ParseIpv4(addr, &v4)) {
      if (prefix > 32) {
        return Status::InvalidArgument(std::string(name) + ":" + std::to_string(line_no) +
                                       ": IPv4 prefix over 32 in '" + std::string(line) + "'");
      }
      int p = prefix < 0 ? 32 : prefix;
      uint32_t mask = p == 0 ? 0 : ~uint32_t{0} << (32 - p);
      list.v4_.push_back({v4 & mask, p});
    } else if (addr.find(':') != std::string_view::npos) {
      if (prefix > 128) {
        return Status::InvalidArgument(std::string(name) + ":" + std::to_string(line_no) +
                                       ": IPv6 prefix over 128 in '" + std::string(line) + "'");
      }
      if (prefix < 0 || prefix == 128) list.v6_.emplace_back(addr);
    } else {
      return Status::InvalidArgument(std::string(name) + ":" + std::to_string(line_no) +
                                     ": not an IP address or CIDR: '" + std::string(line) + "'");
    }
  }
  return list;
}

Result<IpList> IpList::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open IP list " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path);
}

bool IpList::ContainsV4(std::string_view text) const {
  uint32_t ip = 0;
  if (!ParseIpv4(text, &ip)) return false;
  for (const V4Range& r : v4_) {
    uint32_t mask = r.prefix == 0 ? 0 : ~uint32_t{0} << (32 - r.prefix);
    if ((ip & mask) == r.base) return true;
  }
  return false;
}

std::string IpList::Sample(Rng& rng) const {
  if (empty()) return "";
  uint64_t i = rng.Below(size());
  if (i >= v4_.size()) return v6_[i - v4_.size()];
  const V4Range& r = v4_[i];
  if (r.prefix >= 31)
    return FormatIpv4(r.base + static_cast<uint32_t>(rng.Below(r.prefix == 32 ? 1 : 2)));
  uint64_t hosts = (uint64_t{1} << (32 - r.prefix)) - 2;
  return FormatIpv4(r.base + 1 + static_cast<uint32_t>(rng.Below(hosts)));
}

}  // namespace vw::gen
