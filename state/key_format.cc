#include "state/key_format.h"

namespace vw::state::internal {

static bool NamespaceChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool ValidNamespace(std::string_view ns) {
  if (ns.empty() || ns.size() > kMaxNamespaceBytes) return false;
  for (char c : ns) {
    if (!NamespaceChar(c)) return false;
  }
  return true;
}

std::optional<std::string> RewriteLegacyKey(std::string_view key) {
  const size_t nul = key.find('\0');
  if (nul == std::string_view::npos || !ValidNamespace(key.substr(0, nul))) return std::nullopt;
  std::string out;
  out.reserve(nul + 1 + kKeyDigestBytes);
  out.append(key.substr(0, nul));
  out.push_back(kDigestKeyMark);
  AppendKeyDigest(&out, key.substr(nul + 1));
  return out;
}

}  // namespace vw::state::internal
