// The Java client's default partitioner for keyed records (Kafka's Utils.murmur2 and
// toPositive(hash) % partitions), which librdkafka's "murmur2_random" reproduces for non-empty
// keys. The ingest stage uses it when it places batched keyed records itself, so every key lands
// on the partition any other client would choose. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace vw::runtime {

// Kafka's murmur2 of `data` (the signed 32-bit value Utils.murmur2 returns).
int32_t KafkaMurmur2(std::string_view data);
// The partition of `key` among `partitions` (> 0).
int32_t KeyPartition(std::string_view key, int32_t partitions);

}  // namespace vw::runtime
