# Project-wide settings for our own targets: strict warnings, the src/ include root.
function(junction_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror
    # GCC 12 at -O2/-O3 reports false -Wrestrict overlaps inside std::string's inlined copies
    # (GCC bugs 105329, 105651); they fire on plain string concatenation.
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>
    # In a unity build (the sanitizer trees, docs/ci.md) GCC sees each .cpp as a header included
    # by the batch file and warns about anonymous-namespace types inside its coroutine frames; the
    # file-by-file release build keeps the warning where it means something.
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:$<TARGET_PROPERTY:UNITY_BUILD>>>:-Wno-subobject-linkage>)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
endfunction()
