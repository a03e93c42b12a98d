#include "alerts/pseudonymise.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "base/check.h"
#include "processors/ingest/ingest.h"
#include "processors/ingest/normalize.h"

namespace vw::alerts {
namespace {

std::string Hex(std::string_view b, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n && i < b.size(); ++i) {
    const auto c = static_cast<unsigned char>(b[i]);
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 15]);
  }
  return s;
}

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = s->find(from); pos != std::string::npos; pos = s->find(from, pos + to.size())) {
    s->replace(pos, from.size(), to);
  }
}

}  // namespace

// HMAC (RFC 2104) keying, done once: K' = K zero-padded to the block, or SHA-256(K) when longer.
struct Pseudonymiser::Keyed {
  EVP_MD_CTX* inner = nullptr;  // SHA-256 after (K' ^ ipad)
  EVP_MD_CTX* outer = nullptr;  // SHA-256 after (K' ^ opad)
  explicit Keyed(std::string_view key) : inner(EVP_MD_CTX_new()), outer(EVP_MD_CTX_new()) {
    VW_CHECK(inner != nullptr && outer != nullptr);
    constexpr size_t kBlock = 64;  // SHA-256 block size
    const EVP_MD* md = EVP_sha256();
    unsigned char k[kBlock] = {0};
    if (key.size() > kBlock) {
      unsigned int n = 0;
      VW_CHECK(EVP_Digest(key.data(), key.size(), k, &n, md, nullptr) == 1);
    } else {
      std::memcpy(k, key.data(), key.size());
    }
    unsigned char pad[kBlock];
    for (size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
    VW_CHECK(EVP_DigestInit_ex(inner, md, nullptr) == 1);
    VW_CHECK(EVP_DigestUpdate(inner, pad, kBlock) == 1);
    for (size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
    VW_CHECK(EVP_DigestInit_ex(outer, md, nullptr) == 1);
    VW_CHECK(EVP_DigestUpdate(outer, pad, kBlock) == 1);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
  }
  ~Keyed() {  // EVP_MD_CTX_free cleanses the (key-derived) digest state
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
  }
  Keyed(const Keyed&) = delete;
  Keyed& operator=(const Keyed&) = delete;
};

namespace {

// One scratch context per thread: Mac is const and may run on several threads at once.
EVP_MD_CTX* ThreadScratch() {
  struct Scratch {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Scratch() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Scratch s;
  VW_CHECK(s.ctx != nullptr);
  return s.ctx;
}

}  // namespace

Pseudonymiser::Pseudonymiser(std::string key, PseudonymiseFields fields)
    : key_(std::move(key)), fields_(fields), keyed_(std::make_unique<Keyed>(key_)) {}
Pseudonymiser::Pseudonymiser(Pseudonymiser&& o) noexcept
    : key_(std::move(o.key_)), fields_(o.fields_), keyed_(std::move(o.keyed_)) {
  o.key_.clear();
}
Pseudonymiser& Pseudonymiser::operator=(Pseudonymiser&& o) noexcept {
  if (this != &o) {
    OPENSSL_cleanse(key_.data(), key_.size());
    key_ = std::move(o.key_);
    fields_ = o.fields_;
    keyed_ = std::move(o.keyed_);
    o.key_.clear();
  }
  return *this;
}
Pseudonymiser::~Pseudonymiser() { OPENSSL_cleanse(key_.data(), key_.size()); }

Result<Pseudonymiser> Pseudonymiser::FromKey(std::string key, PseudonymiseFields fields) {
  if (key.size() < kMinKeyBytes) {
    OPENSSL_cleanse(key.data(), key.size());
    // The message names the length rule, never the key.
    return Status::InvalidArgument("pseudonymisation key shorter than 16 bytes");
  }
  return Pseudonymiser(std::move(key), fields);
}

Result<Pseudonymiser> Pseudonymiser::FromKeyFile(const std::string& path,
                                                 PseudonymiseFields fields) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot read the pseudonymisation key file");
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!key.empty() && key.back() == '\n') key.pop_back();
  if (!key.empty() && key.back() == '\r') key.pop_back();
  return FromKey(std::move(key), fields);
}

Result<Pseudonymiser> Pseudonymiser::FromEnv(const std::string& variable,
                                             PseudonymiseFields fields) {
  const char* v = std::getenv(variable.c_str());
  if (v == nullptr || *v == '\0') {
    return Status::NotFound("environment variable " + variable + " (pseudonymisation key) unset");
  }
  return FromKey(std::string(v), fields);
}

std::string Pseudonymiser::Mac(std::string_view kind, std::string_view value) const {
  // HMAC-SHA256(key, kind || 0 || value) = H((K' ^ opad) || H((K' ^ ipad) || message)).
  EVP_MD_CTX* c = ThreadScratch();
  const unsigned char zero = 0;
  unsigned char inner[EVP_MAX_MD_SIZE];
  unsigned int inner_len = 0;
  VW_CHECK(EVP_MD_CTX_copy_ex(c, keyed_->inner) == 1);
  VW_CHECK(EVP_DigestUpdate(c, kind.data(), kind.size()) == 1);
  VW_CHECK(EVP_DigestUpdate(c, &zero, 1) == 1);
  VW_CHECK(EVP_DigestUpdate(c, value.data(), value.size()) == 1);
  VW_CHECK(EVP_DigestFinal_ex(c, inner, &inner_len) == 1);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  VW_CHECK(EVP_MD_CTX_copy_ex(c, keyed_->outer) == 1);
  VW_CHECK(EVP_DigestUpdate(c, inner, inner_len) == 1);
  VW_CHECK(EVP_DigestFinal_ex(c, out, &len) == 1);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Pseudonymiser::KeyFingerprint() const {
  return Hex(Mac("key-fingerprint", "vaultwatch"), 8);
}

std::string Pseudonymiser::ObjectId(std::string_view id) const {
  if (id.empty()) return std::string();
  const std::string h = Hex(Mac("oid", id), 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

std::string Pseudonymiser::Upn(std::string_view upn) const {
  if (upn.empty()) return std::string();
  return "u-" + Hex(Mac("upn", upn), 12) + "@pseudonymised.invalid";
}

std::string Pseudonymiser::IpBytes(std::string_view ip) const {
  if (ip.empty()) return std::string();
  std::string h = Mac("ip", ip);
  h.resize(16);
  h[0] = static_cast<char>(0xfd);  // fd00::/8, unique-local: never a routable address
  return h;
}

std::string Pseudonymiser::IpText(std::string_view ip_text) const {
  std::string bytes;
  if (!ingest::ParseIp(ip_text, &bytes)) bytes = std::string(ip_text);  // still keyed, unparsed
  return ingest::FormatIp(IpBytes(bytes));
}

void Pseudonymiser::Apply(v1::AccessEvent* e) const {
  v1::Caller* c = e->mutable_caller();
  if (fields_.object_id) {
    c->set_object_id(ObjectId(c->object_id()));
    v1::AccessPolicyChange* p = e->mutable_policy_change();
    for (std::string& id : *p->mutable_added_object_ids()) id = ObjectId(id);
    for (std::string& id : *p->mutable_removed_object_ids()) id = ObjectId(id);
    for (auto* list : {p->mutable_added_permissions(), p->mutable_removed_permissions()}) {
      for (std::string& line : *list) {
        const size_t colon = line.find(':');
        if (colon != std::string::npos) {
          line = ObjectId(std::string_view(line).substr(0, colon)) + line.substr(colon);
        }
      }
    }
  }
  if (fields_.upn) c->set_upn(Upn(c->upn()));
  if (fields_.ip) {
    if (!c->ip().empty()) {
      c->set_ip(IpBytes(c->ip()));
      c->set_ip_text(ingest::FormatIp(c->ip()));
    } else if (!c->ip_text().empty()) {
      c->set_ip_text(IpText(c->ip_text()));
    }
  }
}

void Pseudonymiser::Apply(v1::Alert* a) const {
  // Clear value -> pseudonym, longest first so that no replacement cuts into a longer value.
  std::map<std::string, std::string> repl;
  for (v1::AlertEntity& en : *a->mutable_entities()) {
    if (fields_.object_id && !en.aad_user_id().empty()) {
      std::string p = ObjectId(en.aad_user_id());
      repl[en.aad_user_id()] = p;
      en.set_aad_user_id(p);
    }
    if (fields_.upn && !en.upn().empty()) {
      std::string p = Upn(en.upn());
      repl[en.upn()] = p;
      en.set_upn(p);
    }
    if (fields_.ip && !en.address().empty()) {
      std::string p = IpText(en.address());
      repl[en.address()] = p;
      en.set_address(p);
    }
  }
  // Evidence naming an identity that is not one of the alert's entities: the principal an access
  // policy flip granted (processors/detectors, KV_AccessPolicyFlip) is an object id.
  if (fields_.object_id) {
    auto it = a->extended_properties().find("Principal Added And Removed");
    if (it != a->extended_properties().end()) {
      std::string_view rest = it->second;
      while (!rest.empty()) {
        const size_t comma = rest.find(',');
        std::string_view id = rest.substr(0, comma);
        while (!id.empty() && id.front() == ' ') id.remove_prefix(1);
        while (!id.empty() && id.back() == ' ') id.remove_suffix(1);
        if (!id.empty()) repl[std::string(id)] = ObjectId(id);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
  }
  // The id is an unkeyed hash of type, entity and window (engine.cc MakeAlertId): whoever guesses
  // an identity could confirm it from the id. Keyed, it stays deterministic and unique.
  if (!a->system_alert_id().empty()) {
    const std::string h = Hex(Mac("alert-id", a->system_alert_id()), 16);
    a->set_system_alert_id(h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
                           h.substr(16, 4) + "-" + h.substr(20, 12));
  }
  std::vector<std::pair<std::string, std::string>> order(repl.begin(), repl.end());
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });
  auto scrub = [&](std::string* s) {
    for (const auto& [from, to] : order) ReplaceAll(s, from, to);
  };
  scrub(a->mutable_description());
  scrub(a->mutable_compromised_entity());
  for (auto& [k, v] : *a->mutable_extended_properties()) scrub(&v);
}

}  // namespace vw::alerts
