// The primitives' stored key format (state/key_format.h) on a real RocksDB: keys are a namespace
// and a fixed-size digest whatever the key's length; a store of the previous format (the key
// itself after "<ns>\0") is rewritten once when opened, and its changelog restores into the
// current format; a store of a newer format is refused.
#include "state/key_format.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "state/first_seen_map.h"
#include "state/state_store.h"
#include "state/tests/test_util.h"
#include "state/window_counter.h"

namespace vw::state {
namespace {

using testing::Contents;
using testing::TempDir;

EventTime Hour(int64_t h) { return EventTime::FromSeconds(h * 3600); }

// Detector-like keys: a caller and a vault's resource id, ~150 bytes.
const std::string kPairKey =
    "oid:6f1c2d3e-0000-4000-8000-00000000abcd\x1f/subscriptions/00000000-1111-2222-3333-"
    "444444444444/resourceGroups/rg-payments/providers/Microsoft.KeyVault/vaults/kv-payments-prod";
const std::string kVaultKey =
    "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-payments/providers/"
    "Microsoft.KeyVault/vaults/kv-payments-prod";
// An engine-style key with a '\0' after a run that is not a namespace: never rewritten.
const std::string kEngineKey = std::string("e/s/v/vault-a\0", 14) + "7";

// Writes the state the checks below read back, through the primitives.
void WriteState(StateStore* store) {
  FirstSeenMap seen(store, "fs", Duration::Days(30));
  WindowCounter hourly(store, "wc", Duration::Hours(1), 24);
  (void)seen.Touch(kPairKey, Hour(1));
  (void)seen.Touch(kPairKey, Hour(5));
  hourly.Add(kVaultKey, Hour(2), 3);
  hourly.Add(kVaultKey, Hour(4), 4);
}

void ExpectState(StateStore* store) {
  FirstSeenMap seen(store, "fs", Duration::Days(30));
  WindowCounter hourly(store, "wc", Duration::Hours(1), 24);
  std::optional<Sighting> s = seen.Get(kPairKey, Hour(6));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->first, Hour(1));
  EXPECT_EQ(s->last, Hour(5));
  EXPECT_EQ(hourly.Sum(kVaultKey, Hour(0), Hour(6)), 7);
}

// Rewrites `dir`'s store into the previous key format: each primitive key "<ns>\x01<digest>"
// becomes "<ns>\0<key>" (the test knows which key each namespace holds), same value, and the
// key-format record is removed, as a store written before it was recorded.
void MakeVersionOne(const std::string& dir, const std::map<std::string, std::string>& key_of_ns) {
  rocksdb::DBOptions db;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, {}}, {"spill", {}}, {"meta", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(db, dir, cfs, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> rdb(raw);
  rocksdb::WriteBatch b;
  for (const auto& [ns, key] : key_of_ns) {
    std::string digest_key = ns + internal::kDigestKeyMark;
    AppendKeyDigest(&digest_key, key);
    std::string stored;
    ASSERT_TRUE(rdb->Get(rocksdb::ReadOptions(), handles[0], digest_key, &stored).ok()) << ns;
    b.Delete(handles[0], digest_key);
    b.Put(handles[0], ns + std::string(1, '\0') + key, stored);
  }
  b.Delete(handles[2], std::string("\0vw.key-format", 14));
  ASSERT_TRUE(rdb->Write(rocksdb::WriteOptions(), &b).ok());
  for (auto* h : handles) ASSERT_TRUE(rdb->DestroyColumnFamilyHandle(h).ok());
  ASSERT_TRUE(rdb->Close().ok());
}

TEST(KeyFormatTest, PrimitiveKeysAreNamespaceAndDigest) {
  TempDir dir;
  auto store = StateStore::Open({.path = dir.sub("s")}).value();
  WriteState(store.get());
  store->Put(kEngineKey, "segment");
  ASSERT_TRUE(store->Commit({}).ok());
  std::map<std::string, std::string> contents = Contents(store.get());
  ASSERT_EQ(contents.size(), 3u);
  EXPECT_TRUE(contents.count(kEngineKey));
  for (const auto& [ns, key] :
       std::map<std::string, std::string>{{"fs", kPairKey}, {"wc", kVaultKey}}) {
    std::string expected = ns + internal::kDigestKeyMark;
    AppendKeyDigest(&expected, key);
    EXPECT_EQ(expected.size(), ns.size() + 1 + kKeyDigestBytes);
    EXPECT_TRUE(contents.count(expected)) << ns;
  }
  // Different keys, different digests; the digest is a function of the key's bytes only.
  std::string a, b, c;
  AppendKeyDigest(&a, kPairKey);
  AppendKeyDigest(&b, kPairKey + "x");
  AppendKeyDigest(&c, kPairKey);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, c);
}

TEST(KeyFormatTest, RewriteLegacyKeyRecognisesOnlyNamespacedKeys) {
  EXPECT_TRUE(internal::RewriteLegacyKey(std::string("pg.put\0", 7) + kPairKey).has_value());
  EXPECT_FALSE(internal::RewriteLegacyKey(kEngineKey).has_value());  // "e/s/v/..." is no namespace
  EXPECT_FALSE(internal::RewriteLegacyKey("vw.runtime.flush-origins").has_value());  // no '\0'
  EXPECT_FALSE(internal::RewriteLegacyKey(std::string("\0vw.commit", 10)).has_value());
  std::string current = std::string("fs") + internal::kDigestKeyMark;
  AppendKeyDigest(&current, kPairKey);
  EXPECT_FALSE(internal::RewriteLegacyKey(current).has_value());
  // The rewrite of a legacy key is the key the primitive uses now.
  std::string expected = current;
  EXPECT_EQ(internal::RewriteLegacyKey(std::string("fs\0", 3) + kPairKey), expected);
}

TEST(KeyFormatTest, PreviousFormatStoreIsRewrittenOnceAtOpen) {
  TempDir dir;
  const std::string path = dir.sub("s");
  {
    auto store = StateStore::Open({.path = path}).value();
    WriteState(store.get());
    store->Put(kEngineKey, "segment");
    ASSERT_TRUE(store->Commit({.next_offsets = {{"raw/0", 42}}}).ok());
  }
  MakeVersionOne(path, {{"fs", kPairKey}, {"wc", kVaultKey}});
  {
    auto store = StateStore::Open({.path = path}).value();
    ExpectState(store.get());
    std::map<std::string, std::string> contents = Contents(store.get());
    EXPECT_EQ(contents.size(), 3u);
    for (const auto& [k, v] : contents) {
      EXPECT_FALSE(internal::RewriteLegacyKey(k).has_value()) << "a key left in the old format";
    }
    EXPECT_EQ(contents.at(kEngineKey), "segment");
    EXPECT_EQ(store->LastCommit().value().next_offsets.at("raw/0"), 42);
    // The version is recorded: a key of the old form written now is data, left as it is.
    store->Put(std::string("fs\0", 3) + "late", "x");
    ASSERT_TRUE(store->Commit({.next_offsets = {{"raw/0", 43}}}).ok());
  }
  auto store = StateStore::Open({.path = path}).value();
  ExpectState(store.get());
  EXPECT_EQ(store->Get(std::string("fs\0", 3) + "late"), "x");
}

TEST(KeyFormatTest, PreviousFormatChangelogRestoresIntoTheCurrentFormat) {
  TempDir dir;
  const std::string path = dir.sub("old");
  {
    auto store = StateStore::Open({.path = path}).value();
    WriteState(store.get());
    ASSERT_TRUE(store->Commit({.next_offsets = {{"raw/0", 7}}}).ok());
  }
  MakeVersionOne(path, {{"fs", kPairKey}, {"wc", kVaultKey}});
  // The changelog an older build produced: its keys and values as they are stored.
  std::vector<std::pair<std::string, std::string>> changelog;
  {
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(
                    rocksdb::DBOptions(), path,
                    {{rocksdb::kDefaultColumnFamilyName, {}}, {"spill", {}}, {"meta", {}}},
                    &handles, &raw)
                    .ok());
    std::unique_ptr<rocksdb::DB> rdb(raw);
    std::unique_ptr<rocksdb::Iterator> it(rdb->NewIterator(rocksdb::ReadOptions(), handles[0]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      changelog.emplace_back(it->key().ToString(), it->value().ToString());
    }
    std::string commit;
    ASSERT_TRUE(
        rdb->Get(rocksdb::ReadOptions(), handles[2], std::string("\0vw.commit", 10), &commit).ok());
    changelog.emplace_back(std::string("\0vw.commit", 10), commit);
    for (auto* h : handles) ASSERT_TRUE(rdb->DestroyColumnFamilyHandle(h).ok());
  }
  ASSERT_EQ(changelog.size(), 3u);
  EXPECT_TRUE(internal::RewriteLegacyKey(changelog[0].first).has_value());

  auto restored = StateStore::Open({.path = dir.sub("new")}).value();
  for (const auto& [k, v] : changelog) ASSERT_TRUE(restored->ApplyChangelog(k, v).ok()) << k;
  ASSERT_TRUE(restored->FinishRestore().ok());
  ExpectState(restored.get());
  EXPECT_EQ(restored->LastCommit().value().next_offsets.at("raw/0"), 7);
  for (const auto& [k, v] : Contents(restored.get())) {
    EXPECT_FALSE(internal::RewriteLegacyKey(k).has_value());
  }
}

TEST(KeyFormatTest, StoreOfANewerFormatIsRefused) {
  TempDir dir;
  const std::string path = dir.sub("s");
  { ASSERT_TRUE(StateStore::Open({.path = path}).ok()); }
  {
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(
        rocksdb::DB::Open(rocksdb::DBOptions(), path,
                          {{rocksdb::kDefaultColumnFamilyName, {}}, {"spill", {}}, {"meta", {}}},
                          &handles, &raw)
            .ok());
    std::unique_ptr<rocksdb::DB> rdb(raw);
    ASSERT_TRUE(
        rdb->Put(rocksdb::WriteOptions(), handles[2], std::string("\0vw.key-format", 14), "3")
            .ok());
    for (auto* h : handles) ASSERT_TRUE(rdb->DestroyColumnFamilyHandle(h).ok());
  }
  auto reopened = StateStore::Open({.path = path});
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.status().ToString().find("key format 3"), std::string::npos)
      << reopened.status().ToString();
}

}  // namespace
}  // namespace vw::state
