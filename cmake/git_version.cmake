# Writes OUT (version.h) from IN with the version and the git commit of SOURCE_DIR.
# Run at every build (see CMakeLists.txt), so a binary and the results files it
# writes name the commit they were built from, not the one CMake was configured at;
# configure_file leaves OUT untouched when nothing changed, so nothing recompiles.
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE ECHELON_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE git_rc)
if(NOT git_rc EQUAL 0 OR ECHELON_GIT_COMMIT STREQUAL "")
  set(ECHELON_GIT_COMMIT "unknown")
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no
                  WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE git_dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT git_dirty STREQUAL "")
    set(ECHELON_GIT_COMMIT "${ECHELON_GIT_COMMIT}-dirty")
  endif()
endif()
configure_file(${IN} ${OUT} @ONLY)
