#include "processors/ingest/normalize.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "processors/ingest/ingest.h"

namespace vw::ingest {
namespace {

using vw::v1::AccessEvent;

TEST(LookupOperation, KnownNamesAnyCase) {
  EXPECT_EQ(LookupOperation("SecretGet").operation, vw::v1::OP_SECRET_GET);
  EXPECT_EQ(LookupOperation("secretget").operation, vw::v1::OP_SECRET_GET);
  EXPECT_EQ(LookupOperation("SecretGet").object_type, vw::v1::OBJECT_TYPE_SECRET);
  EXPECT_EQ(LookupOperation("VaultPatch").operation, vw::v1::OP_VAULT_PATCH);
  EXPECT_EQ(LookupOperation("KeyPurge").object_type, vw::v1::OBJECT_TYPE_KEY);
  EXPECT_EQ(LookupOperation("Authentication").operation, vw::v1::OP_AUTHENTICATION);
  EXPECT_EQ(LookupOperation("BackupCreate").object_type, vw::v1::OBJECT_TYPE_HSM);
  EXPECT_EQ(LookupOperation("CertificateIssuersList").operation,
            vw::v1::OP_CERTIFICATE_ISSUER_LIST);
}

// Alert reasons show Azure's names ("SecretGet"), not the enum's ("OP_SECRET_GET").
TEST(LookupOperation, AzureNamesRoundTrip) {
  EXPECT_EQ(AzureOperationName(vw::v1::OP_SECRET_GET), "SecretGet");
  EXPECT_EQ(AzureOperationName(vw::v1::OP_SECRET_LIST), "SecretList");
  EXPECT_EQ(AzureOperationName(vw::v1::OP_KEY_RANDOM), "KeyRandom");
  const auto* desc = vw::v1::Operation_descriptor();
  for (int i = 0; i < desc->value_count(); ++i) {
    auto op = static_cast<vw::v1::Operation>(desc->value(i)->number());
    if (op == vw::v1::OPERATION_UNKNOWN) continue;
    std::string_view name = AzureOperationName(op);
    EXPECT_EQ(name.rfind("OP_", 0), std::string_view::npos) << name;
    EXPECT_EQ(LookupOperation(name).operation, op) << name;
  }
}

TEST(LookupOperation, UnknownNamesGuessTheObjectType) {
  EXPECT_EQ(LookupOperation("SecretNearExpiryEventGridNotification").operation,
            vw::v1::OPERATION_UNKNOWN);
  EXPECT_EQ(LookupOperation("SecretNearExpiryEventGridNotification").object_type,
            vw::v1::OBJECT_TYPE_SECRET);
  EXPECT_EQ(LookupOperation("StorageAccountGet").object_type, vw::v1::OBJECT_TYPE_STORAGE);
  EXPECT_EQ(LookupOperation("Frobnicate").object_type, vw::v1::OBJECT_TYPE_OTHER);
  EXPECT_EQ(LookupOperation(std::string(200, 'K')).operation, vw::v1::OPERATION_UNKNOWN);
}

TEST(DeriveOutcome, StatusCodes) {
  EXPECT_EQ(DeriveOutcome(200, "OK", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_SUCCESS);
  EXPECT_EQ(DeriveOutcome(202, "", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_SUCCESS);
  EXPECT_EQ(DeriveOutcome(403, "", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_DENIED);
  EXPECT_EQ(DeriveOutcome(401, "", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_DENIED);
  EXPECT_EQ(DeriveOutcome(401, "Unauthorized", vw::v1::OP_AUTHENTICATION),
            vw::v1::OUTCOME_AUTH_CHALLENGE);
  EXPECT_EQ(DeriveOutcome(404, "", vw::v1::OP_KEY_GET), vw::v1::OUTCOME_NOT_FOUND);
  EXPECT_EQ(DeriveOutcome(409, "", vw::v1::OP_SECRET_RESTORE), vw::v1::OUTCOME_BAD_REQUEST);
  EXPECT_EQ(DeriveOutcome(400, "", vw::v1::OP_SECRET_SET), vw::v1::OUTCOME_BAD_REQUEST);
  EXPECT_EQ(DeriveOutcome(429, "", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_THROTTLED);
  EXPECT_EQ(DeriveOutcome(500, "", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_ERROR);
  EXPECT_EQ(DeriveOutcome(503, "", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_ERROR);
}

TEST(DeriveOutcome, StatusWinsOverSignature) {
  // The hand-edited sample (resultSignature Forbidden, httpStatusCode 200): documented choice.
  EXPECT_EQ(DeriveOutcome(200, "Forbidden", vw::v1::OP_VAULT_GET), vw::v1::OUTCOME_SUCCESS);
}

TEST(DeriveOutcome, SignatureWithoutStatus) {
  EXPECT_EQ(DeriveOutcome(0, "Forbidden", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_DENIED);
  EXPECT_EQ(DeriveOutcome(0, "Unauthorized", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_DENIED);
  EXPECT_EQ(DeriveOutcome(0, "Unauthorized", vw::v1::OP_AUTHENTICATION),
            vw::v1::OUTCOME_AUTH_CHALLENGE);
  EXPECT_EQ(DeriveOutcome(0, "Not Found", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_NOT_FOUND);
  EXPECT_EQ(DeriveOutcome(0, "NotFound", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_NOT_FOUND);
  EXPECT_EQ(DeriveOutcome(0, "OK", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_SUCCESS);
  EXPECT_EQ(DeriveOutcome(0, "Too Many Requests", vw::v1::OP_SECRET_GET),
            vw::v1::OUTCOME_THROTTLED);
  EXPECT_EQ(DeriveOutcome(0, "Conflict", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_BAD_REQUEST);
  EXPECT_EQ(DeriveOutcome(0, "Internal Server Error", vw::v1::OP_SECRET_GET),
            vw::v1::OUTCOME_ERROR);
  EXPECT_EQ(DeriveOutcome(0, "403", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_DENIED);
  EXPECT_EQ(DeriveOutcome(0, "", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_UNSPECIFIED);
  EXPECT_EQ(DeriveOutcome(0, "Whatever", vw::v1::OP_SECRET_GET), vw::v1::OUTCOME_UNSPECIFIED);
}

TEST(DeriveIdentityType, Rules) {
  EXPECT_EQ(DeriveIdentityType(true, true, true, ""), vw::v1::IDENTITY_TYPE_USER_AND_APP);
  EXPECT_EQ(DeriveIdentityType(true, false, true, ""), vw::v1::IDENTITY_TYPE_USER);
  EXPECT_EQ(DeriveIdentityType(false, true, true, ""), vw::v1::IDENTITY_TYPE_SERVICE_PRINCIPAL);
  EXPECT_EQ(DeriveIdentityType(false, false, true, ""), vw::v1::IDENTITY_TYPE_UNKNOWN);
  EXPECT_EQ(DeriveIdentityType(false, false, false, ""), vw::v1::IDENTITY_TYPE_UNKNOWN);
  EXPECT_EQ(DeriveIdentityType(false, true, true, "app"), vw::v1::IDENTITY_TYPE_SERVICE_PRINCIPAL);
  EXPECT_EQ(DeriveIdentityType(false, true, true, "user"), vw::v1::IDENTITY_TYPE_USER_AND_APP);
}

TEST(ParseResourceId, KeyVault) {
  AccessEvent e;
  ParseResourceId(
      "/SUBSCRIPTIONS/AAAA-1/RESOURCEGROUPS/My-RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/Kv-1", &e);
  EXPECT_EQ(e.vault_id(),
            "/subscriptions/aaaa-1/resourcegroups/my-rg/providers/microsoft.keyvault/vaults/kv-1");
  EXPECT_EQ(e.vault_name(), "kv-1");
  EXPECT_EQ(e.subscription_id(), "aaaa-1");
  EXPECT_EQ(e.resource_group(), "my-rg");
  EXPECT_EQ(e.vault_kind(), vw::v1::VAULT_KIND_KEY_VAULT);
}

TEST(ParseResourceId, ManagedHsmAndRedacted) {
  AccessEvent e;
  ParseResourceId("/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/managedHSMs/hsm1",
                  &e);
  EXPECT_EQ(e.vault_name(), "hsm1");
  EXPECT_EQ(e.vault_kind(), vw::v1::VAULT_KIND_MANAGED_HSM);
  AccessEvent r;
  ParseResourceId("/SUBSCRIPTIONS/xxxxxx/xxxxx/xxxxxxx/xxxxx/MICROSOFT.KEYVAULT/VAULTS/xxxxxxx",
                  &r);
  EXPECT_EQ(r.vault_name(), "xxxxxxx");
  EXPECT_EQ(r.resource_group(), "");
  AccessEvent odd;
  ParseResourceId("weird", &odd);
  EXPECT_EQ(odd.vault_id(), "weird");
  EXPECT_EQ(odd.vault_name(), "weird");
  EXPECT_EQ(odd.vault_kind(), vw::v1::VAULT_KIND_UNSPECIFIED);
}

TEST(ParseTarget, EveryNameLengthAndStop) {
  // Names of 1 to 40 bytes put the next '/', '?' or '#' at every offset of the 16- and 8-byte
  // scans, with host names of two lengths moving where the scans start.
  const std::string version = "0123456789abcdef0123456789abcdef";
  for (std::string host : {"v.vault.azure.net", "a-much-longer-vault.vault.azure.net"}) {
    for (size_t len = 1; len <= 40; ++len) {
      std::string name;
      for (size_t i = 0; i < len; ++i) name.push_back(static_cast<char>('A' + i % 26));
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(c | 0x20);
      const std::string base = "https://" + host + "/secrets/" + name;
      AccessEvent a;
      ParseTarget(base + "/" + version, false, &a);
      EXPECT_EQ(a.target_name(), lower) << base;
      EXPECT_EQ(a.target_version(), version) << base;
      for (const char* stop : {"?api-version=7.4", "#fragment", ""}) {
        AccessEvent b;
        ParseTarget(base + stop, true, &b);
        EXPECT_EQ(b.target_name(), lower) << base << stop;
        EXPECT_EQ(b.target_version(), "") << base << stop;
      }
    }
  }
}

TEST(ParseTarget, FromIdAndRequestUri) {
  AccessEvent a;
  ParseTarget("https://v.vault.azure.net/secrets/DB-Password/8fbb0accbfbe4ee4b025649ebabae465",
              false, &a);
  EXPECT_EQ(a.target_name(), "db-password");
  EXPECT_EQ(a.target_version(), "8fbb0accbfbe4ee4b025649ebabae465");
  AccessEvent b;
  ParseTarget("https://v.vault.azure.net/secrets/keykey/backup?api-version=7.0", true, &b);
  EXPECT_EQ(b.target_name(), "keykey");
  EXPECT_EQ(b.target_version(), "");
  AccessEvent c;
  ParseTarget("https://v.vault.azure.net/keys/k1/c0d4c7ec6efb4fbeaec16a3872519399?api-version=7.0",
              true, &c);
  EXPECT_EQ(c.target_name(), "k1");
  EXPECT_EQ(c.target_version(), "c0d4c7ec6efb4fbeaec16a3872519399");
  AccessEvent d;
  ParseTarget("https://v.vault.azure.net/", false, &d);
  EXPECT_EQ(d.target_name(), "");
  AccessEvent e;
  ParseTarget("https://v.vault.azure.net/secrets?api-version=7.0", true, &e);
  EXPECT_EQ(e.target_name(), "");
  AccessEvent f;
  ParseTarget("https://v.vault.azure.net/deletedkeys/MyFirstKey", false, &f);
  EXPECT_EQ(f.target_name(), "myfirstkey");
  AccessEvent g;
  ParseTarget("https://v.vault.azure.net/certificates/issuers/digicert", false, &g);
  EXPECT_EQ(g.target_name(), "digicert");
}

TEST(ParseIp, V4V6AndJunk) {
  std::string b;
  ASSERT_TRUE(ParseIp("203.0.113.9", &b));
  EXPECT_EQ(b, std::string("\xcb\x00\x71\x09", 4));
  EXPECT_EQ(FormatIp(b), "203.0.113.9");
  ASSERT_TRUE(ParseIp("2001:db8::1", &b));
  EXPECT_EQ(b.size(), 16u);
  EXPECT_EQ(FormatIp(b), "2001:db8::1");
  ASSERT_TRUE(ParseIp("[2001:db8::2]:443", &b));
  EXPECT_EQ(FormatIp(b), "2001:db8::2");
  ASSERT_TRUE(ParseIp("10.0.0.1:8080", &b));
  EXPECT_EQ(FormatIp(b), "10.0.0.1");
  EXPECT_FALSE(ParseIp("X.X.X.X", &b));
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(ParseIp("", &b));
  EXPECT_FALSE(ParseIp("999.1.1.1", &b));
  EXPECT_FALSE(ParseIp(std::string(100, '1'), &b));
}

// ParseIp reads dotted quads itself (it runs for every record); it must agree with
// inet_pton(AF_INET) on the NUL-terminated text, for every short string of digits, dots, NULs and
// a letter.
TEST(ParseIp, Ipv4AgreesWithInetPton) {
  const std::string alphabet("0123.9\0a5", 9);
  std::mt19937 rng(7);
  std::vector<std::string> texts = {"0.0.0.0",
                                    "255.255.255.255",
                                    "256.1.1.1",
                                    "01.2.3.4",
                                    "1.2.3.04",
                                    "1.2.3.4.",
                                    ".1.2.3.4",
                                    "1..2.3",
                                    "1.2.3",
                                    "1.2.3.4\0junk",
                                    std::string("1.2.3.4\0", 8),
                                    "00.1.2.3"};
  for (int i = 0; i < 20000; ++i) {
    std::string t;
    size_t n = 1 + rng() % 16;
    for (size_t j = 0; j < n; ++j) t.push_back(alphabet[rng() % alphabet.size()]);
    texts.push_back(t);
  }
  for (const std::string& t : texts) {
    std::string c = t + '\0';
    unsigned char want[4];
    bool ok = inet_pton(AF_INET, c.c_str(), want) == 1;
    std::string b;
    ASSERT_EQ(ParseIp(t, &b), ok) << "'" << t << "'";
    if (ok) {
      EXPECT_EQ(b, std::string(reinterpret_cast<const char*>(want), 4)) << t;
    }
  }
}

TEST(AppendLower, EveryByteAtEveryAlignment) {
  // The 16- and 8-bytes-at-a-time paths must agree with the byte path for all 256 values.
  std::string in;
  for (int c = 0; c < 256; ++c) in.push_back(static_cast<char>(c));
  for (size_t shift = 0; shift < 8; ++shift) {
    std::string src = in.substr(shift) + in.substr(0, shift);
    std::string out = "x";
    AppendLower(src, &out);
    ASSERT_EQ(out.size(), src.size() + 1);
    for (size_t i = 0; i < src.size(); ++i) {
      char c = src[i];
      char want = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
      ASSERT_EQ(out[i + 1], want) << "byte " << static_cast<int>(static_cast<unsigned char>(c));
    }
  }
}

TEST(AppendLower, EveryLengthAndTail) {
  // Lengths below, at and above the 8- and 16-byte steps (the overlapping last step included),
  // over windows of all 256 byte values.
  std::string table;
  for (int c = 0; c < 256; ++c) table.push_back(static_cast<char>(c));
  for (size_t len = 0; len <= 48; ++len) {
    for (size_t from = 0; from + len <= table.size(); from += 7) {
      const std::string src = table.substr(from, len);
      std::string out = "prefix";
      AppendLower(src, &out);
      ASSERT_EQ(out.size(), 6 + len);
      for (size_t i = 0; i < len; ++i) {
        char c = src[i];
        char want = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
        ASSERT_EQ(out[6 + i], want) << "length " << len << " from " << from << " byte " << i;
      }
    }
  }
}

TEST(EqualsIgnoreCase, LettersOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("ResourceId", "resourceid"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("time", "times"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));  // differ by the case bit but are not letters
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
}

TEST(ParseDecimal, Basics) {
  int64_t v = 0;
  EXPECT_TRUE(ParseDecimal(" 78 ", &v));
  EXPECT_EQ(v, 78);
  EXPECT_TRUE(ParseDecimal("-5", &v));
  EXPECT_EQ(v, -5);
  EXPECT_FALSE(ParseDecimal("7x", &v));
  EXPECT_FALSE(ParseDecimal("", &v));
  EXPECT_FALSE(ParseDecimal("1234567890123456789012", &v));
}

}  // namespace
}  // namespace vw::ingest
