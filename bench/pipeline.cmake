# The Kafka pipeline end to end with exactly-once, against a real broker on this machine:
# throughput (events/s, every stage in one process, input preloaded) and p99 event-to-alert
# latency (input fed at a fixed rate while the pipeline runs). Owner: pipeline.
#   vaultwatch generate --events-per-day 100000 --output /tmp/gen.ndjson --labels /tmp/gen.labels
#   build/<dir>/bench/pipeline_bench --bootstrap 127.0.0.1:19092 --input /tmp/gen.ndjson
#       [--records N] [--stages ingest,vault,caller] [--partitions 2] [--rate 20000]
if(TARGET vw_runtime)
  vw_cc_binary(NAME pipeline_bench SRCS ${CMAKE_CURRENT_SOURCE_DIR}/pipeline_bench.cc DEPS vw_runtime)
endif()
