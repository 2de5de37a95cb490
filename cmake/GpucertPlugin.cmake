# gpucert_plugin(TARGET [EXPORTS map] [LIBRARY_DIRS dir...]): the link settings every workload plugin shares.
# Only the symbols the map names leave the plugin (by default the entry point alone), so its own copies of
# gpucert_core, Google Benchmark and nlohmann::json can never bind to, or be interposed by, the worker's.
# The build-tree run path puts the plugin's folder first, then the folders of the library it wraps; an
# installed plugin keeps only its own folder, and in an image the loader's search finds that image's library.
function(gpucert_plugin target)
  cmake_parse_arguments(ARG "" "EXPORTS" "LIBRARY_DIRS" ${ARGN})
  if(NOT ARG_EXPORTS)
    set(ARG_EXPORTS ${PROJECT_SOURCE_DIR}/kernels/common/plugin_exports.map)
  endif()
  target_link_options(${target} PRIVATE LINKER:--no-undefined LINKER:--version-script=${ARG_EXPORTS})
  set_target_properties(${target} PROPERTIES
    LINK_DEPENDS ${ARG_EXPORTS}
    BUILD_RPATH "\$ORIGIN;${ARG_LIBRARY_DIRS}"
    INSTALL_RPATH "\$ORIGIN")
  gpucert_warnings(${target})
endfunction()
