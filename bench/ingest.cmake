# Ingest throughput: parse + normalise, in records per CPU-second, next to the parse-only ceiling
# of ../shared/tools/parse_limit.cc built with the same compiler flags and run on the same file.
#   build/<dir>/bench/ingest_bench [--records N] [--input FILE] [--runs K] [--shape ndjson|envelope]
if(TARGET vw_ingest)
  vw_cc_binary(NAME ingest_bench SRCS ingest_bench.cc DEPS vw_ingest simdjson::simdjson)
  set(VW_PARSE_LIMIT_SRC ${PROJECT_SOURCE_DIR}/../shared/tools/parse_limit.cc)
  if(EXISTS ${VW_PARSE_LIMIT_SRC})
    # Not our code: built as the yardstick README says (plain flags, no -Werror).
    add_executable(parse_limit ${VW_PARSE_LIMIT_SRC})
    target_link_libraries(parse_limit PRIVATE simdjson::simdjson)
    add_dependencies(ingest_bench parse_limit)
    target_compile_definitions(ingest_bench PRIVATE VW_PARSE_LIMIT_PATH="$<TARGET_FILE:parse_limit>")
  endif()
endif()
