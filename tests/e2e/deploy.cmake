# The deployment files' static checks (scripts/check-deploy): Dockerfile/compose references,
# promtool on the rules, the dashboard's metric names, helm lint/template of the chart and the
# rendered config accepted by `vaultwatch run --check-config`.
if(TARGET vaultwatch)
  add_test(NAME deploy_static_checks
    COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/check-deploy $<TARGET_FILE:vaultwatch>)
  set_tests_properties(deploy_static_checks PROPERTIES LABELS e2e TIMEOUT 1200
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
