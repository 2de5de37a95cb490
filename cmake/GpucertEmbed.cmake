# gpucert_embed_file(OUTPUT out.cpp INPUT file SYMBOL name): a C++ source that holds the file's bytes as
# `extern const std::string_view name`, regenerated when the file changes. Used for the default suite.
function(gpucert_embed_file)
  cmake_parse_arguments(ARG "" "OUTPUT;INPUT;SYMBOL;NAMESPACE" "" ${ARGN})
  add_custom_command(
    OUTPUT ${ARG_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${ARG_INPUT} -DOUTPUT=${ARG_OUTPUT} -DSYMBOL=${ARG_SYMBOL}
            -DNAMESPACE=${ARG_NAMESPACE} -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/EmbedFileScript.cmake
    DEPENDS ${ARG_INPUT} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/EmbedFileScript.cmake
    COMMENT "Embedding ${ARG_INPUT}"
    VERBATIM)
endfunction()
