# End-to-end tests of `vaultwatch generate` and `vaultwatch score` (label e2e): determinism,
# labels and summary, envelopes, 0 dead letters through `vaultwatch normalize`, scorer verdicts.
# Owner: generator. The script lives in generator/tests/.
if(TARGET vaultwatch)
  add_test(NAME generator_e2e
    COMMAND bash ${PROJECT_SOURCE_DIR}/generator/tests/generate_e2e.sh $<TARGET_FILE:vaultwatch>
            ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/generator_e2e)
  set_tests_properties(generator_e2e PROPERTIES LABELS e2e TIMEOUT 600)
endif()
