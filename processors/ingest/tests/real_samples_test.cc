// Every public sample record in $VW_SHARED_DIR/data/real, read from there (never copied into the
// repo), is accepted with the right outcome and caller fields.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "processors/detectors/file_input.h"
#include "processors/ingest/ingest.h"
#include "tests/support/record_sink.h"

namespace vw::ingest {
namespace {

using vw::v1::AccessEvent;
namespace fs = std::filesystem;

std::string SharedDir() {
  const char* d = std::getenv("VW_SHARED_DIR");
  return d ? d : "";
}

struct Expect {
  const char* op;
  int status;
  vw::v1::Outcome outcome;
  const char* object_id;
  const char* upn;
  const char* app_id;
  vw::v1::IdentityType identity;
  const char* ip;
  const char* target;
};

constexpr auto kOk = vw::v1::OUTCOME_SUCCESS;
constexpr auto kDenied = vw::v1::OUTCOME_DENIED;
constexpr auto kNotFound = vw::v1::OUTCOME_NOT_FOUND;
constexpr auto kBad = vw::v1::OUTCOME_BAD_REQUEST;
constexpr auto kUA = vw::v1::IDENTITY_TYPE_USER_AND_APP;
constexpr auto kSP = vw::v1::IDENTITY_TYPE_SERVICE_PRINCIPAL;
#define JD "john.doe@dummy.onmicrosoft.com"
#define PORTAL "3686488a-04fc-4d8a-b967-61f98ec41efe"

// Written from reading each file (PROVENANCE.md lists the statuses: 6 denied, 2 not found, 1
// conflict, 1 bad request, 1 hand-edited "Forbidden" with status 200).
const std::map<std::string, Expect>& SekoiaExpectations() {
  static const auto* m = new std::map<std::string, Expect>{
      {"test_event_certificate_create.json",
       {"CertificateCreate", 202, kOk, "d4ba3e84-0444-4841-aaf7-xxxx", JD, PORTAL, kUA,
        "147.161.0.0", "fdfdffffd"}},
      {"test_event_certificate_import.json",
       {"CertificateImport", 400, kBad, "d4ba3e84-0444-4841-aaf7-xxxxxxxxxxxx", JD, PORTAL, kUA,
        "147.161.0.0", "mycertiii"}},
      {"test_event_certificate_import_1.json",
       {"CertificateImport", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxxxxxxxx", JD, PORTAL, kUA,
        "147.161.0.0", "yfuffuygu"}},
      {"test_event_certificate_update.json",
       {"CertificateUpdate", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA,
        "147.161.246.101", "fdfdffffd"}},
      {"test_event_key_backup.json",
       {"KeyBackup", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA, "147.161.0.0",
        "egzghfgrrg"}},
      {"test_event_key_delete.json",
       {"KeyDelete", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA, "147.161.0.0",
        "egzghfgrrg"}},
      {"test_event_key_delete_1.json",
       {"KeyDelete", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA, "147.161.0.0",
        "egzghfgrrg"}},
      {"test_event_key_get.json",
       {"KeyGet", 404, kNotFound, "d4ba3e84-0444-4841-aaf7-xxxx", JD, PORTAL, kUA, "147.161.0.0",
        "egzghfgrrg"}},
      {"test_event_key_get_1.json",
       {"KeyGet", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxx", JD, "3686488a-04fc-4d8a-b967-xxxxxxx",
        kUA, "147.161.0.0", "myfirstkey"}},
      {"test_event_key_list.json",
       {"KeyList", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA, "147.161.0.0", ""}},
      {"test_event_key_list_1.json",
       {"KeyList", 403, kDenied, "d4ba3e84-0444-4841-aaf7-xxxxx", JD, PORTAL, kUA, "147.161.0.0",
        ""}},
      {"test_event_key_list_deleted.json",
       {"KeyListDeleted", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA,
        "147.161.0.0", ""}},
      {"test_event_key_list_versions.json",
       {"KeyListVersions", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA,
        "147.161.0.0", "egzghfgrrg"}},
      {"test_event_key_purge.json",
       {"KeyPurge", 403, kDenied, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA, "147.161.0.0",
        "myfirstkey"}},
      {"test_event_key_purge_1.json",
       {"KeyPurge", 403, kDenied, "d4ba3e84-0444-4841-aaf7-xxxxx", JD,
        "3686488a-04fc-4d8a-b967-xxxxxxx", kUA, "147.161.0.0", "myfirstkey"}},
      {"test_event_key_update.json",
       {"KeyUpdate", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxxxxxxxx", JD, PORTAL, kUA,
        "147.161.0.0", "iiii"}},
      {"test_event_secret_backup.json",
       {"SecretBackup", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA, "147.161.0.0",
        "keykey"}},
      {"test_event_secret_delete.json",
       {"SecretDelete", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA, "147.161.0.0",
        "keykey"}},
      {"test_event_secret_get.json",
       {"SecretGet", 404, kNotFound, "d4ba3e84-0444-4841-aaf7-xxxxxxxx", JD, PORTAL, kUA,
        "147.161.0.0", "keykey"}},
      {"test_event_secret_get_1.json",
       {"SecretGet", 403, kDenied, "d4ba3e84-0444-4841-aaf7-xxxxx", JD, PORTAL, kUA, "147.161.0.0",
        "a"}},
      {"test_event_secret_list.json",
       {"SecretList", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA, "147.161.0.0",
        ""}},
      {"test_event_secret_list_deleted.json",
       {"SecretListDeleted", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA,
        "147.161.0.0", ""}},
      {"test_event_secret_purge.json",
       {"SecretPurge", 403, kDenied, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA,
        "147.161.0.0", "mysecret"}},
      {"test_event_secret_purge_1.json",
       {"SecretPurge", 403, kDenied, "d4ba3e84-0444-4841-aaf7-xxxxx", JD,
        "3686488a-04fc-4d8a-b967-xxxxxxx", kUA, "147.161.0.0", "mysecret"}},
      {"test_event_secret_restore.json",
       {"SecretRestore", 409, kBad, "d4ba3e84-0444-4841-aaf7-xxxxxx", JD, PORTAL, kUA,
        "147.161.0.0", "keykey"}},
      {"test_event_secret_update.json",
       {"SecretUpdate", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxxxx", JD, PORTAL, kUA,
        "147.161.0.0", "keykey"}},
      {"test_event_vault_get.json",
       {"VaultGet", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxx", JD,
        "c44b4083-3bb0-49c1-b47d-974e53cxxx", kUA, "147.161.0.0", ""}},
      {"test_event_vault_get_1.json",
       {"VaultGet", 200, kOk, "xxxxxxxxxxxxx", "", "app-id-xxxxxxxxxxxxx", kSP, "1.2.3.4", ""}},
      {"test_event_vault_get_2.json",
       {"VaultGet", 200, kOk, "d9da5048-2737-4770-bd64-xxxxxxxxxxxx",
        "live.com#username@outlook.com", "1950a258-227b-4e31-a9cf-xxxxxxxxxxxx", kUA,
        "104.40.82.76", ""}},
      // Hand-edited: resultSignature "Forbidden" but httpStatusCode 200. The status code wins
      // (docs/ingest.md): resultSignature is its rendering, and a 200 returned the data.
      {"test_event_vault_get_3.json",
       {"VaultGet", 200, kOk, "d9da5048-2737-4770-bd64-xxxxxxxxxxxx",
        "live.com#username@outlook.com", "1950a258-227b-4e31-a9cf-xxxxxxxxxxxx", kUA,
        "104.40.82.76", ""}},
      {"test_event_vault_get_4.json",
       {"VaultGet", 200, kOk, "xxxxxxxxxxxxxxxxxxxxxxxxxxxx", "test@test.com",
        "appid-xxxxxxxxxxxxxxxxx", kUA, "1.2.3.4", ""}},
      {"test_event_vault_patch.json",
       {"VaultPatch", 200, kOk, "d4ba3e84-0444-4841-aaf7-xxxxxxxxxxxx", JD,
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", kUA, "147.161.0.0", ""}},
  };
  return *m;
}

void Check(const AccessEvent& e, const Expect& x, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(e.operation_name(), x.op);
  EXPECT_NE(e.operation(), vw::v1::OPERATION_UNKNOWN);
  EXPECT_EQ(e.http_status(), x.status);
  EXPECT_EQ(e.outcome(), x.outcome);
  EXPECT_EQ(e.caller().object_id(), x.object_id);
  EXPECT_EQ(e.caller().upn(), x.upn);
  EXPECT_EQ(e.caller().app_id(), x.app_id);
  EXPECT_EQ(e.caller().identity_type(), x.identity);
  EXPECT_EQ(e.caller().ip_text(), x.ip);
  EXPECT_EQ(FormatIp(e.caller().ip()), x.ip);
  EXPECT_EQ(e.target_name(), x.target);
  EXPECT_GT(e.time_us(), 1400000000000000);
  EXPECT_FALSE(e.vault_name().empty());
  EXPECT_EQ(e.vault_kind(), vw::v1::VAULT_KIND_KEY_VAULT);
}

TEST(RealSamples, SharedDirIsSet) {
  ASSERT_FALSE(SharedDir().empty()) << "VW_SHARED_DIR must point at ../shared";
  ASSERT_TRUE(fs::exists(SharedDir() + "/data/real/PROVENANCE.md"));
}

TEST(RealSamples, EverySekoiaTestRecord) {
  fs::path dir = SharedDir() + "/data/real/sekoia-io_intake-formats_azure-key-vault/tests";
  ASSERT_TRUE(fs::is_directory(dir));
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json") continue;
    ++files;
    auto it = SekoiaExpectations().find(name);
    ASSERT_NE(it, SekoiaExpectations().end()) << "no expectation for " << name;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.load(entry.path().string()).get(doc), simdjson::SUCCESS);
    std::string_view message;
    ASSERT_EQ(doc["input"]["message"].get(message), simdjson::SUCCESS) << name;
    Ingestor ingestor;
    vw::testing::CollectingRecordSink sink;
    vw::v1::SourcePosition base;
    base.set_source(name);
    base.set_partition(-1);
    ingestor.Ingest(message, base, sink);
    ASSERT_EQ(sink.dead_letters.size(), 0u) << name << ": " << sink.dead_letters[0].reason;
    ASSERT_EQ(sink.events.size(), 1u) << name;
    Check(sink.events[0], it->second, name);
  }
  EXPECT_EQ(files, SekoiaExpectations().size());
}

TEST(RealSamples, DerivedNdjsonMatchesTheTestFiles) {
  fs::path path =
      SharedDir() + "/data/real/sekoia-io_intake-formats_azure-key-vault/auditevent_records.ndjson";
  Ingestor ingestor;
  vw::testing::CollectingRecordSink sink;
  ASSERT_TRUE(IngestFile(path.string(), ingestor, sink).ok());
  EXPECT_EQ(sink.dead_letters.size(), 0u);
  ASSERT_EQ(sink.events.size(), 32u);
  EXPECT_EQ(ingestor.counters().records_in, 32u);
  // Files in name order (PROVENANCE.md): line i is the i-th test file.
  size_t i = 0;
  for (const auto& [name, expect] : SekoiaExpectations()) {
    Check(sink.events[i], expect, "ndjson line " + std::to_string(i + 1) + " = " + name);
    EXPECT_EQ(sink.events[i].source().source(), path.string());
    ++i;
  }
  size_t denied = 0;
  for (const AccessEvent& e : sink.events) denied += e.outcome() == vw::v1::OUTCOME_DENIED;
  EXPECT_EQ(denied, 6u);
}

TEST(RealSamples, MicrosoftKeyVaultEnvelope) {
  Ingestor ingestor;
  vw::testing::CollectingRecordSink sink;
  ASSERT_TRUE(
      IngestFile(
          SharedDir() + "/data/real/microsoft_azure-security-docs/keyvault_logging_example.json",
          ingestor, sink)
          .ok());
  ASSERT_EQ(sink.events.size(), 1u);
  const AccessEvent& e = sink.events[0];
  EXPECT_EQ(e.operation(), vw::v1::OP_VAULT_GET);
  EXPECT_EQ(e.outcome(), vw::v1::OUTCOME_SUCCESS);
  EXPECT_EQ(e.vault_name(), "contosokeyvault");
  EXPECT_EQ(e.resource_group(), "contosogroup");
  EXPECT_EQ(e.caller().object_id(), "d9da5048-2737-4770-bd64-xxxxxxxxxxxx");
  EXPECT_EQ(e.caller().upn(), "live.com#username@outlook.com");
  EXPECT_EQ(e.caller().app_id(), "00001111-aaaa-2222-bbbb-3333cccc4444");
  EXPECT_EQ(e.caller().identity_type(), vw::v1::IDENTITY_TYPE_USER_AND_APP);
  EXPECT_EQ(FormatIp(e.caller().ip()), "104.40.82.76");
  EXPECT_EQ(e.duration_ms(), 78);
  EXPECT_EQ(e.time_us(), 1451957521269122);
  EXPECT_EQ(e.client_info(), "azure-resource-manager/2.0");
}

TEST(RealSamples, MicrosoftManagedHsmArray) {
  Ingestor ingestor;
  vw::testing::CollectingRecordSink sink;
  ASSERT_TRUE(
      IngestFile(
          SharedDir() + "/data/real/microsoft_azure-security-docs/managedhsm_logging_example.json",
          ingestor, sink)
          .ok());
  ASSERT_EQ(sink.events.size(), 1u);
  const AccessEvent& e = sink.events[0];
  EXPECT_EQ(e.vault_kind(), vw::v1::VAULT_KIND_MANAGED_HSM);
  EXPECT_EQ(e.vault_name(), "<hsm-name>");
  EXPECT_EQ(e.operation(), vw::v1::OP_HSM_BACKUP_CREATE);
  EXPECT_EQ(e.object_type(), vw::v1::OBJECT_TYPE_HSM);
  EXPECT_EQ(e.outcome(), vw::v1::OUTCOME_SUCCESS);
  EXPECT_EQ(e.http_status(), 202);
  EXPECT_EQ(e.caller().object_id(), "<object-id>");
  EXPECT_EQ(e.caller().upn(), "<user-email>");
  EXPECT_EQ(e.caller().app_id(), "<application-id>");
  EXPECT_EQ(e.caller().tenant_id(), "<tenant-id>");
  EXPECT_EQ(e.caller().identity_type(), vw::v1::IDENTITY_TYPE_USER_AND_APP);
  EXPECT_EQ(e.caller().ip_text(), "X.X.X.X");  // a placeholder: kept as text, no address
  EXPECT_TRUE(e.caller().ip().empty());
  EXPECT_EQ(e.duration_ms(), 488);
  EXPECT_EQ(e.request_uri(), "https://<hsm-name>.managedhsm.azure.net/backup");
  EXPECT_EQ(e.correlation_id(), "aaaa0000-bb11-2222-33cc-444444dddddd");
}

TEST(RealSamples, DefenderAlertIsNotAnAuditRecord) {
  // The grafana sample is a Defender alert: no time/resourceId/operationName, so it must be
  // dead-lettered with a reason, not accepted as an event.
  fs::path dir = SharedDir() + "/data/real/grafana_azure_eventhub_to_loki";
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    ++files;
    Ingestor ingestor;
    vw::testing::CollectingRecordSink sink;
    ASSERT_TRUE(IngestFile(entry.path().string(), ingestor, sink).ok());
    EXPECT_EQ(sink.events.size(), 0u);
    EXPECT_GE(sink.dead_letters.size(), 1u);
    for (const DeadLetter& d : sink.dead_letters)
      EXPECT_NE(d.reason.find("missing"), std::string::npos) << d.reason;
  }
  EXPECT_GE(files, 1u);
}

}  // namespace
}  // namespace vw::ingest
