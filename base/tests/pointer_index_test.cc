#include "base/pointer_index.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <vector>

namespace vw {
namespace {

struct Item {
  int key;
};

// Hash codes from few distinct values, so probe runs are long, collide and wrap around the end
// of the slot array; checked against a map through inserts and erases in random order.
TEST(PointerIndexTest, MatchesAMapUnderCollisionsAndWrapAround) {
  PointerIndex<Item> index;
  std::map<int, std::unique_ptr<Item>> model;
  std::mt19937_64 rng(3);
  auto hash_of = [](int key) -> uint64_t {
    // Homes cluster at the end of a 1024-slot array, so runs wrap to slot 0.
    return 1000 + static_cast<uint64_t>(key % 37);
  };
  auto find = [&](int key) {
    return index.Find(hash_of(key), [&](const Item& it) { return it.key == key; });
  };
  for (int step = 0; step < 20000; ++step) {
    const int key = static_cast<int>(rng() % 400);
    auto it = model.find(key);
    if (it == model.end()) {
      auto item = std::make_unique<Item>(Item{key});
      index.Insert(hash_of(key), item.get());
      model.emplace(key, std::move(item));
    } else if (rng() % 2 == 0) {
      index.Erase(hash_of(key), it->second.get());
      model.erase(it);
    }
    const int probe = static_cast<int>(rng() % 400);
    auto m = model.find(probe);
    ASSERT_EQ(find(probe), m == model.end() ? nullptr : m->second.get()) << "step " << step;
    ASSERT_EQ(index.size(), model.size());
  }
  size_t visited = 0;
  index.ForEach([&](Item* item) {
    ++visited;
    EXPECT_EQ(model.at(item->key).get(), item);
  });
  EXPECT_EQ(visited, model.size());
}

TEST(PointerIndexTest, GrowsAndKeepsEveryItem) {
  PointerIndex<Item> index;
  std::vector<std::unique_ptr<Item>> items;
  for (int i = 0; i < 100000; ++i) {
    items.push_back(std::make_unique<Item>(Item{i}));
    index.Insert(static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ULL, items.back().get());
  }
  for (int i = 0; i < 100000; ++i) {
    ASSERT_EQ(index.Find(static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ULL,
                         [&](const Item& it) { return it.key == i; }),
              items[static_cast<size_t>(i)].get());
  }
  EXPECT_EQ(index.Find(12345, [](const Item&) { return true; }), nullptr);
  index.Clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.Find(0, [](const Item&) { return true; }), nullptr);
}

}  // namespace
}  // namespace vw
