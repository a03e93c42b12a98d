# The deployment paths against the real broker (issue 24): the pipeline over SASL_SSL (the Event
# Hubs path) with OCSF alerts, a wrong password, and the monitoring checks against a live scrape
# and a real Prometheus. Needs the broker's SASL_SSL listener (scripts/test starts it).
vw_cc_test(NAME deploy_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/deploy_test.cc
  DEPS vw_kafka vw_proto Boost::headers
  LABELS integration TIMEOUT 600)
add_dependencies(deploy_test vaultwatch)
set_tests_properties(deploy_test PROPERTIES RUN_SERIAL TRUE)
