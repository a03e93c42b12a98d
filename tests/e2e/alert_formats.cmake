# End-to-end test of the SIEM renderings (label e2e): `vaultwatch detect --alert-format
# defender|ocsf|ecs` on one generated tenant; schemas, feedback and report across the formats.
if(TARGET vaultwatch)
  add_test(NAME alert_formats_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/alert_formats.sh $<TARGET_FILE:vaultwatch>
            ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/alert_formats)
  set_tests_properties(alert_formats_e2e PROPERTIES LABELS e2e TIMEOUT 600)
endif()
