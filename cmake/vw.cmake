# Helpers that give every vaultwatch target the same flags.
#
#   vw_cc_library(NAME name SRCS ... [DEPS ...])   static library vw_<name>; includes rooted at the repo
#   vw_cc_test(NAME name SRCS ... [DEPS ...] [LABELS unit|integration|e2e] [TIMEOUT s])
#   vw_cc_binary(NAME name SRCS ... [DEPS ...])

set(VW_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)

if(VW_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(vw_apply_flags target)
  target_compile_options(${target} PRIVATE ${VW_WARNINGS})
  if(VW_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
endfunction()

function(vw_cc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(vw_${A_NAME} STATIC ${A_SRCS})
  vw_apply_flags(vw_${A_NAME})
  target_link_libraries(vw_${A_NAME} PUBLIC ${A_DEPS})
endfunction()

function(vw_cc_binary)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  vw_apply_flags(${A_NAME})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
endfunction()

function(vw_cc_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT A_LABELS)
    set(A_LABELS unit)
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  add_executable(${A_NAME} ${A_SRCS})
  vw_apply_flags(${A_NAME})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  add_test(NAME ${A_NAME} COMMAND ${A_NAME})
  set_tests_properties(${A_NAME} PROPERTIES LABELS "${A_LABELS}" TIMEOUT ${A_TIMEOUT}
    ENVIRONMENT "VW_SOURCE_DIR=${PROJECT_SOURCE_DIR};VW_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared;VW_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
