# state: updates/s, bytes per key on disk, RSS at 1M / 10M keys (see state_bench.cc).
vw_cc_binary(NAME state_bench SRCS ${CMAKE_CURRENT_SOURCE_DIR}/state_bench.cc DEPS vw_state)
