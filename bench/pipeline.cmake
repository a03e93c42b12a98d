# The Kafka pipeline end to end with exactly-once, against a real broker on this machine:
# throughput (events/s, every stage in one process, input preloaded) and p99 event-to-alert
# latency (input fed at a fixed rate while the pipeline runs), with the ratio of events/s to the
# parse-only ceiling (parse_limit, same file, run before and after the throughput phase).
# Owner: pipeline.
#   vaultwatch generate --events-per-day 100000 --output /tmp/gen.ndjson --labels /tmp/gen.labels
#   build/<dir>/bench/pipeline_bench --bootstrap 127.0.0.1:19092 --input /tmp/gen.ndjson
#       [--records N] [--stages ingest,vault,caller] [--partitions 2] [--rate 20000]
if(TARGET vw_runtime)
  vw_cc_binary(NAME pipeline_bench SRCS ${CMAKE_CURRENT_SOURCE_DIR}/pipeline_bench.cc DEPS vw_runtime)
  # Runs parse_limit (bench/ingest.cmake, included before this file) on the same file, beside it.
  if(TARGET parse_limit)
    add_dependencies(pipeline_bench parse_limit)
  endif()
endif()

# Latency on a live feed (event time = wall clock, no end-of-input marker, skewed raw partitions,
# one idle): from an attack's triggering record produced to its alert readable with
# read_committed, per detector family.
#   build/release/bench/live_latency_bench --bootstrap 127.0.0.1:19092 [--live-seconds 120]
#       [--rate 1000] [--attacks 10] [--lateness-seconds 600] [--raw-partitions 4] [--skew 0.6]
if(TARGET vw_runtime)
  vw_cc_binary(NAME live_latency_bench SRCS ${CMAKE_CURRENT_SOURCE_DIR}/live_latency_bench.cc
               DEPS vw_runtime)
endif()

# Restoring one partition's state from its changelog (1M keys by default): records/s and seconds.
#   build/release/bench/restore_bench --bootstrap 127.0.0.1:19092 [--keys 1000000]
if(TARGET vw_runtime)
  vw_cc_binary(NAME restore_bench SRCS ${CMAKE_CURRENT_SOURCE_DIR}/restore_bench.cc DEPS vw_runtime)
endif()

# Scale-out on one machine: 1, 2, 3 instances of `vaultwatch run` on the same topics: partition
# shares, rebalance time with state moving, alerts still exact. Uses the pipeline tests' harness
# (real processes), hence gtest.
#   VW_SOURCE_DIR=$PWD build/release/bench/scaleout_bench --bootstrap 127.0.0.1:19092
if(TARGET vw_runtime AND TARGET GTest::gtest)
  vw_cc_binary(NAME scaleout_bench SRCS ${CMAKE_CURRENT_SOURCE_DIR}/scaleout_bench.cc
               DEPS vw_kafka vw_proto GTest::gtest)
  add_dependencies(scaleout_bench vaultwatch)
endif()
