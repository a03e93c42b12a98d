# End-to-end tests of `vaultwatch replay` / `vaultwatch timeline` on files, with the html timeline
# rendered in headless Chromium (installed by scripts/setup). Owner: forensics.
if(TARGET vw_forensics)
  add_test(NAME forensics_html_e2e
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/forensics_html_test.sh $<TARGET_FILE:vaultwatch>
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(forensics_html_e2e PROPERTIES LABELS e2e TIMEOUT 600
    ENVIRONMENT "VW_SOURCE_DIR=${PROJECT_SOURCE_DIR};VW_BINARY_DIR=${PROJECT_BINARY_DIR}")
endif()
