# Replay throughput over a Kafka topic of generated records: Kafka fetch alone, fetch +
# ingest, and `replay` end to end, best of --runs. Fills the topic once (10M records by default).
#   scripts/kafka-local start
#   build/<dir>/bench/forensics_bench --bootstrap 127.0.0.1:19092 --records 10000000 --runs 3
if(TARGET vw_forensics AND TARGET vw_generator)
  vw_cc_binary(NAME forensics_bench SRCS forensics_bench.cc DEPS vw_forensics vw_generator)
endif()
