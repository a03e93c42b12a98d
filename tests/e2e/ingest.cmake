# End-to-end test of `vaultwatch normalize` (label e2e): the real binary over the real sample logs
# in $VW_SHARED_DIR/data/real (read in place), stdin, and a file of malformed input. Owner: ingest.
if(TARGET vaultwatch)
  add_test(NAME ingest_normalize_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/ingest_normalize.sh $<TARGET_FILE:vaultwatch>
            ${PROJECT_SOURCE_DIR}/../shared ${CMAKE_CURRENT_BINARY_DIR}/ingest_normalize)
  set_tests_properties(ingest_normalize_e2e PROPERTIES LABELS e2e TIMEOUT 300)
endif()
