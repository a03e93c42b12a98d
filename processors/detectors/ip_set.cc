#include "processors/detectors/ip_set.h"

#include <arpa/inet.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "base/ascii.h"

namespace vw::detect {
namespace {

uint32_t LoadV4(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

Uint128 LoadV6(const unsigned char* p) {
  Uint128 v = 0;
  for (int i = 0; i < 16; ++i) v = (v << 8) | p[i];
  return v;
}

bool IsV4Mapped(const unsigned char* p) {
  static const unsigned char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(p, kPrefix, 12) == 0;
}

// Lists and addresses are trimmed of ' ', '\t' and '\r' only: a newline inside an address is an
// error, not a blank.
std::string_view Trim(std::string_view s) { return vw::Trim(s, " \t\r"); }
template <typename R>
void Merge(std::vector<R>* v) {
  std::sort(v->begin(), v->end(), [](const R& a, const R& b) { return a.first < b.first; });
  std::vector<R> out;
  for (const R& r : *v) {
    if (!out.empty() && (r.first <= out.back().last || r.first - 1 == out.back().last)) {
      out.back().last = std::max(out.back().last, r.last);
    } else {
      out.push_back(r);
    }
  }
  *v = std::move(out);
}

template <typename R, typename T>
bool Find(const std::vector<R>& v, T x) {
  // The last range whose first <= x.
  auto it = std::upper_bound(v.begin(), v.end(), x, [](T a, const R& r) { return a < r.first; });
  if (it == v.begin()) return false;
  --it;
  return x <= it->last;
}

}  // namespace

Result<std::string> ParseIp(std::string_view text) {
  text = Trim(text);
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not an IP address");
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char out[16];
  if (inet_pton(AF_INET, buf, out) == 1) return std::string(reinterpret_cast<char*>(out), 4);
  if (inet_pton(AF_INET6, buf, out) == 1) return std::string(reinterpret_cast<char*>(out), 16);
  return Status::InvalidArgument("'" + std::string(text) + "' is not an IP address");
}

bool IpSet::Contains(std::string_view ip) const {
  const auto* p = reinterpret_cast<const unsigned char*>(ip.data());
  if (ip.size() == 4) return Find(v4_, LoadV4(p));
  if (ip.size() == 16) {
    if (IsV4Mapped(p)) return Find(v4_, LoadV4(p + 12));
    return Find(v6_, LoadV6(p));
  }
  return false;
}

bool IpSet::ContainsText(std::string_view ip_text) const {
  Result<std::string> ip = ParseIp(ip_text);
  return ip.ok() && Contains(*ip);
}

Status IpSetBuilder::Add(std::string_view entry) {
  entry = Trim(entry);
  std::string_view addr = entry;
  int prefix = -1;
  if (size_t slash = entry.find('/'); slash != std::string_view::npos) {
    addr = entry.substr(0, slash);
    std::string_view len = entry.substr(slash + 1);
    if (len.empty() || len.size() > 3 ||
        !std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Status::InvalidArgument("'" + std::string(entry) + "': bad prefix length");
    }
    prefix = std::stoi(std::string(len));
  }
  VW_ASSIGN_OR_RETURN(std::string ip, ParseIp(addr));
  const auto* p = reinterpret_cast<const unsigned char*>(ip.data());
  if (ip.size() == 4) {
    if (prefix < 0) prefix = 32;
    if (prefix > 32) return Status::InvalidArgument("'" + std::string(entry) + "': prefix > 32");
    uint32_t host_mask = prefix == 0 ? 0xffffffffu : (prefix == 32 ? 0u : (0xffffffffu >> prefix));
    uint32_t a = LoadV4(p);
    v4_.push_back({a & ~host_mask, a | host_mask});
  } else {
    if (prefix < 0) prefix = 128;
    if (prefix > 128) return Status::InvalidArgument("'" + std::string(entry) + "': prefix > 128");
    if (IsV4Mapped(p) && prefix >= 96) {
      int p4 = prefix - 96;
      uint32_t host_mask = p4 == 0 ? 0xffffffffu : (p4 == 32 ? 0u : (0xffffffffu >> p4));
      uint32_t a = LoadV4(p + 12);
      v4_.push_back({a & ~host_mask, a | host_mask});
      return Status::OK();
    }
    Uint128 all = ~Uint128{0};
    Uint128 host_mask = prefix == 0 ? all : (prefix == 128 ? Uint128{0} : (all >> prefix));
    Uint128 a = LoadV6(p);
    v6_.push_back({a & ~host_mask, a | host_mask});
  }
  return Status::OK();
}

Status IpSetBuilder::AddText(std::string_view text, std::string_view source_name) {
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    VW_RETURN_IF_ERROR(
        Add(line).WithContext(std::string(source_name) + ":" + std::to_string(line_no)));
  }
  return Status::OK();
}

Status IpSetBuilder::AddTorExitAddresses(std::string_view text, std::string_view source_name) {
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    constexpr std::string_view kExit = "ExitAddress ";
    if (line.substr(0, kExit.size()) != kExit) continue;
    std::string_view rest = Trim(line.substr(kExit.size()));
    VW_RETURN_IF_ERROR(Add(rest.substr(0, rest.find(' ')))
                           .WithContext(std::string(source_name) + ":" + std::to_string(line_no)));
  }
  return Status::OK();
}

Status IpSetBuilder::AddServiceTagsJson(std::string_view json, std::string_view source_name,
                                        const std::vector<std::string>& tags) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root)) {
    return Status::InvalidArgument(std::string(source_name) +
                                   ": not JSON: " + simdjson::error_message(err));
  }
  simdjson::dom::array values;
  if (root["values"].get_array().get(values)) {
    return Status::InvalidArgument(std::string(source_name) +
                                   ": service-tags JSON has no 'values' array");
  }
  size_t i = 0;
  std::vector<bool> found(tags.size(), false);
  for (simdjson::dom::element v : values) {
    if (!tags.empty()) {
      std::string_view name;
      if (v["name"].get_string().get(name)) {
        return Status::InvalidArgument(std::string(source_name) + ": values[" + std::to_string(i) +
                                       "] has no name");
      }
      auto it = std::find(tags.begin(), tags.end(), name);
      if (it == tags.end()) {
        ++i;
        continue;
      }
      found[it - tags.begin()] = true;
    }
    simdjson::dom::array prefixes;
    if (v["properties"]["addressPrefixes"].get_array().get(prefixes)) {
      return Status::InvalidArgument(std::string(source_name) + ": values[" + std::to_string(i) +
                                     "] has no properties.addressPrefixes");
    }
    for (simdjson::dom::element pfx : prefixes) {
      std::string_view s;
      if (pfx.get_string().get(s)) {
        return Status::InvalidArgument(std::string(source_name) + ": values[" + std::to_string(i) +
                                       "]: a prefix is not a string");
      }
      VW_RETURN_IF_ERROR(
          Add(s).WithContext(std::string(source_name) + ": values[" + std::to_string(i) + "]"));
    }
    ++i;
  }
  for (size_t t = 0; t < tags.size(); ++t) {
    if (!found[t]) {
      return Status::InvalidArgument(std::string(source_name) + ": no service tag named '" +
                                     tags[t] + "'");
    }
  }
  return Status::OK();
}

IpSet IpSetBuilder::Build() {
  IpSet set;
  Merge(&v4_);
  Merge(&v6_);
  set.v4_ = std::move(v4_);
  set.v6_ = std::move(v6_);
  v4_.clear();
  v6_.clear();
  return set;
}

}  // namespace vw::detect
