# End-to-end tests of `vaultwatch detect` over generator output (label e2e). They run the real
# binary: generate a tenant with labelled attacks, detect, score; and check determinism.
if(TARGET vaultwatch)
  add_test(NAME detect_quality_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/detect_quality.sh $<TARGET_FILE:vaultwatch>
            ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/detect_quality)
  set_tests_properties(detect_quality_e2e PROPERTIES LABELS e2e TIMEOUT 1800
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  add_test(NAME detect_determinism_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/detect_determinism.sh $<TARGET_FILE:vaultwatch>
            ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/detect_determinism)
  set_tests_properties(detect_determinism_e2e PROPERTIES LABELS e2e TIMEOUT 1800
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
