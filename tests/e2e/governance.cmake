# End-to-end tests of the governance commands (label e2e). Owner: governance.
#  - governance_backup_e2e: `vaultwatch state backup|restore` around `vaultwatch detect --state`.
if(TARGET vaultwatch)
  add_test(NAME governance_backup_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/governance_backup.sh $<TARGET_FILE:vaultwatch>
            ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/governance_backup)
  set_tests_properties(governance_backup_e2e PROPERTIES LABELS e2e TIMEOUT 600)
endif()
#  - governance_report_e2e: `vaultwatch feedback apply` and `vaultwatch report` (md, and html
#    rendered in headless Chromium).
if(TARGET vaultwatch)
  add_test(NAME governance_report_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/governance_report.sh $<TARGET_FILE:vaultwatch>
            ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/governance_report)
  set_tests_properties(governance_report_e2e PROPERTIES LABELS e2e TIMEOUT 600)
endif()
#  - governance_embedded_e2e: `vaultwatch detect --pseudonymise none|state|alerts --feedback F`
#    (privacy and feedback wired into the embedded detect) and `report --detect-summary`.
#    key_digest_tool prints the state's digests of the clear identities, which the raw scans
#    look for too.
if(TARGET vaultwatch)
  add_executable(key_digest_tool ${CMAKE_CURRENT_SOURCE_DIR}/key_digest_tool.cc)
  target_link_libraries(key_digest_tool PRIVATE vw_state)
  add_test(NAME governance_embedded_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/governance_embedded.sh $<TARGET_FILE:vaultwatch>
            ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/governance_embedded
            $<TARGET_FILE:key_digest_tool>)
  set_tests_properties(governance_embedded_e2e PROPERTIES LABELS e2e TIMEOUT 900)
endif()
