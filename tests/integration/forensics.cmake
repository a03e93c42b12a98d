# Incident reconstruction against the real broker: live run vs replay of a sub-range
# (raw topic, events topic, topic output) and the timeline of a labelled attacker. Spawns the
# vaultwatch binary (generate, detect, run, replay, timeline). Owner: forensics.
if(TARGET vw_forensics)
  vw_cc_test(NAME forensics_integration_test
    SRCS ${CMAKE_CURRENT_LIST_DIR}/forensics_test.cc
    DEPS vw_kafka vw_base simdjson::simdjson
    LABELS integration TIMEOUT 900)
  add_dependencies(forensics_integration_test vaultwatch)
  set_tests_properties(forensics_integration_test PROPERTIES RUN_SERIAL TRUE)
endif()
