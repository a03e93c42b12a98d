# `vaultwatch detect` end to end (ingest + every detector + state + alert JSON) on generator
# output, in events per CPU-second, best of --runs, next to the parse-only ceiling of
# ../shared/tools/parse_limit.cc on the same file (target: ratio >= 0.5 per core), and ingest
# alone on the same file so the engine's own CPU per event can be read off. Figures and the
# commands: bench/README.md.
#   vaultwatch generate --events-per-day 100000 --output /tmp/gen.ndjson --labels /tmp/gen.labels
#   build/<dir>/bench/detect_bench --input /tmp/gen.ndjson [--runs 3] [--config configs/detect.yaml]
if(TARGET vw_detectors)
  # parse_limit (defined by bench/ingest.cmake, same directory) is looked up beside the binary.
  vw_cc_binary(NAME detect_bench SRCS detect_bench.cc DEPS vw_detectors)
endif()
