# `vaultwatch generate --output kafka://...` against the real broker (VW_KAFKA_BOOTSTRAP). Owner:
# generator. Built when the kafka module exists.
if(TARGET vw_kafka)
  vw_cc_test(NAME generator_kafka_sink_test
    SRCS ${PROJECT_SOURCE_DIR}/generator/tests/kafka_sink_test.cc
    DEPS vw_generator vw_kafka
    LABELS integration TIMEOUT 180)
endif()
