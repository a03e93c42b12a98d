# End-to-end checks of the `vaultwatch` command line as a new user meets it (label e2e): help
# output, `run`'s start-up checks and --check-config (no broker needed), normalize on NDJSON whose
# first line is broken. Owner: apps.
if(TARGET vaultwatch)
  add_test(NAME cli_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_test.sh $<TARGET_FILE:vaultwatch>
            ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cli)
  set_tests_properties(cli_e2e PROPERTIES LABELS e2e TIMEOUT 120)
endif()
