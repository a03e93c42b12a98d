# kafka/ against the real broker (scripts/kafka-local; VW_KAFKA_BOOTSTRAP). Owner: pipeline.
vw_cc_test(NAME kafka_transactions_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/kafka_transactions_test.cc
  DEPS vw_kafka
  LABELS integration TIMEOUT 120)
