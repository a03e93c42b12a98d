# `vaultwatch detect` end to end (ingest + every detector + state + alert JSON) on generator
# output, in events per CPU-second, best of --runs, next to the parse-only ceiling of
# ../shared/tools/parse_limit.cc on the same file (target: ratio >= 0.5 per core).
#   vaultwatch generate --events-per-day 100000 --output /tmp/gen.ndjson --labels /tmp/gen.labels
#   build/<dir>/bench/detect_bench --input /tmp/gen.ndjson [--runs 3] [--config configs/detect.yaml]
if(TARGET vw_detectors)
  vw_cc_binary(NAME detect_bench SRCS detect_bench.cc DEPS vw_detectors)
  if(TARGET parse_limit)
    add_dependencies(detect_bench parse_limit)
    target_compile_definitions(detect_bench PRIVATE VW_PARSE_LIMIT_PATH="$<TARGET_FILE:parse_limit>")
  endif()
endif()
