# state: crash consistency (kill -9 a child mid-commit, reopen, verify a committed prefix).
# Real processes and a real RocksDB in a temp dir; no Kafka needed.
vw_cc_binary(NAME state_crash_child SRCS ${CMAKE_CURRENT_SOURCE_DIR}/state_crash_child.cc
  DEPS vw_state)
vw_cc_test(NAME state_crash_test SRCS ${CMAKE_CURRENT_SOURCE_DIR}/state_crash_test.cc
  DEPS vw_state LABELS integration TIMEOUT 300)
target_compile_definitions(state_crash_test PRIVATE
  VW_STATE_CRASH_CHILD="$<TARGET_FILE:state_crash_child>")
add_dependencies(state_crash_test state_crash_child)
