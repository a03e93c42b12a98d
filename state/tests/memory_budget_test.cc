// MemoryBudget: one RocksDB cache and write-buffer manager shared by every store of a process.
#include "state/memory_budget.h"

#include <gtest/gtest.h>
#include <rocksdb/cache.h>
#include <rocksdb/write_buffer_manager.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "state/state_store.h"

namespace vw::state {
namespace {

std::string TempPath(const std::string& name) {
  std::string d =
      ::testing::TempDir() + "/memory_budget_test_" + std::to_string(::getpid()) + "_" + name;
  std::filesystem::remove_all(d);
  return d;
}

void Fill(StateStore& s, int n, const std::string& prefix) {
  for (int i = 0; i < n; ++i) s.Put(prefix + std::to_string(i), std::string(100, 'x'));
  ASSERT_TRUE(s.Commit(CommitPoint{}).ok());
}

TEST(MemoryBudgetTest, SplitsTheBudgetAndSharesIt) {
  auto b = MemoryBudget::Create(512 << 20);
  EXPECT_EQ(b->total_bytes(), size_t{512} << 20);
  EXPECT_EQ(b->cache()->GetCapacity(), b->rocksdb_bytes());
  EXPECT_EQ(b->write_buffer_manager()->buffer_size(), b->memtable_bytes());
  EXPECT_TRUE(b->write_buffer_manager()->cost_to_cache());
  EXPECT_LE(b->rocksdb_bytes() + b->StoreCacheShare(1) + b->KeyCacheShare(1), b->total_bytes());
  EXPECT_EQ(b->StoreCacheShare(4) * 4, b->StoreCacheShare(1));
  EXPECT_EQ(MemoryBudget::Create(1)->total_bytes(), MemoryBudget::kMinBytes);
  EXPECT_EQ(MemoryBudget::ProcessDefault(), MemoryBudget::ProcessDefault());
}

TEST(MemoryBudgetTest, StoresOfOneBudgetChargeOneCache) {
  auto budget = MemoryBudget::Create(64 << 20);
  const std::string pa = TempPath("a"), pb = TempPath("b");
  {
    auto a = StateStore::Open({.path = pa, .budget = budget}).value();
    const size_t before = budget->cache()->GetUsage();
    Fill(*a, 20000, "a/");
    // Store a's memtable is charged to the budget's cache (the write-buffer manager).
    EXPECT_GT(budget->write_buffer_manager()->memory_usage(), 0u);
    EXPECT_GT(budget->cache()->GetUsage(), before);
    auto b = StateStore::Open({.path = pb, .budget = budget}).value();
    const size_t with_a = budget->write_buffer_manager()->memory_usage();
    Fill(*b, 20000, "b/");
    // Store b's memtable joins a's in the same manager: one allowance for the process.
    EXPECT_GT(budget->write_buffer_manager()->memory_usage(), with_a);
    // Both report the usage of the same block cache.
    EXPECT_EQ(a->Stats().block_cache_bytes, b->Stats().block_cache_bytes);
    EXPECT_EQ(a->Stats().block_cache_bytes, budget->cache()->GetUsage());
  }
  std::filesystem::remove_all(pa);
  std::filesystem::remove_all(pb);
}

TEST(MemoryBudgetTest, StoresWithoutABudgetShareTheProcessDefault) {
  auto def = MemoryBudget::ProcessDefault();
  const std::string p = TempPath("default");
  {
    auto s = StateStore::Open({.path = p}).value();
    const size_t before = def->write_buffer_manager()->memory_usage();
    Fill(*s, 20000, "d/");
    EXPECT_GT(def->write_buffer_manager()->memory_usage(), before);
    EXPECT_EQ(s->Stats().block_cache_bytes, def->cache()->GetUsage());
  }
  std::filesystem::remove_all(p);
}

}  // namespace
}  // namespace vw::state
