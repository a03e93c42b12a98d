# The Kafka pipeline against the real broker: equivalence with `detect`, kill -9, two instances,
# broker restart. Spawns the vaultwatch binary, so it depends on it. Owner: pipeline.
vw_cc_test(NAME pipeline_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/pipeline_test.cc ${CMAKE_CURRENT_LIST_DIR}/pipeline_privacy_test.cc
  DEPS vw_kafka vw_proto vw_ingest vw_forensics vw_governance
  LABELS integration TIMEOUT 900)
add_dependencies(pipeline_test vaultwatch)
set_tests_properties(pipeline_test PROPERTIES RUN_SERIAL TRUE)

# A long changelog restore runs in the background (the worker keeps polling and processing its
# other partitions; SIGTERM cancels it) and the alerts stay exact. Owner: pipeline.
vw_cc_test(NAME restore_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/restore_test.cc
  DEPS vw_kafka vw_proto
  LABELS integration TIMEOUT 600)
add_dependencies(restore_test vaultwatch)
set_tests_properties(restore_test PROPERTIES RUN_SERIAL TRUE)
