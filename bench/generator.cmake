# Generator throughput (records/s and MB/s, best of --runs) into a null sink (generation +
# formatting only) and into a file (default /tmp/vw_generator_bench.ndjson). Goal: >= 1,000,000
# records/s to a file, so that benchmarks are never limited by the generator.
#   build/<dir>/bench/generator_bench [--tenant small|medium|large] [--days N] [--events-per-day N]
#                                     [--runs K] [--file PATH] [--envelope]
vw_cc_binary(NAME generator_bench SRCS ${CMAKE_CURRENT_SOURCE_DIR}/generator_bench.cc DEPS vw_generator)
