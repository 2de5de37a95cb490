# CUDA through clang, for a toolkit that has no nvcc: NVIDIA's -cu12 and -cu11 wheels carry ptxas, libdevice,
# the headers and the libraries, but no nvcc, cicc or fatbinary (docs/CUDA_VERSIONS.md). Clang's CUDA front end
# compiles the .cu files (as C++ sources with -x cuda) against that toolkit's headers, its ptxas assembles the
# device code, and the fatbinary of the machine's nvcc toolkit packs it, through a shim that spells clang's
# arguments as current fatbinary versions expect. The result links that toolkit's libcudart, cuBLAS, cuDNN
# and NCCL, as a worker built with its nvcc would.
if(NOT GPUCERT_WORKER_ONLY)
  message(FATAL_ERROR "gpucert: the CUDA toolkit ${CUDAToolkit_ROOT_DIR} has no nvcc; it can build the worker only "
                      "(-DGPUCERT_WORKER_ONLY=ON, as GPUCERT_CUDA_TOOLKITS does)")
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "gpucert: the CUDA toolkit ${CUDAToolkit_ROOT_DIR} has no nvcc: configure with "
                      "-DCMAKE_CXX_COMPILER=clang++ (Debian: clang-16), which compiles its device code")
endif()
set(GPUCERT_CUDA_VIA_CLANG ON)

# Clang 16 knows the architectures up to sm_90.
set(GPUCERT_CUDA_ARCHITECTURES "70;75;80;86;89;90" CACHE STRING "CUDA architectures to build for")
set(CMAKE_CUDA_ARCHITECTURES "${GPUCERT_CUDA_ARCHITECTURES}")

find_program(GPUCERT_FATBINARY fatbinary PATHS /usr/local/cuda/bin ENV CUDA_PATH PATH_SUFFIXES bin
             DOC "the fatbinary that packs clang's device code (any CUDA 12 or 13 toolkit's)")
if(NOT GPUCERT_FATBINARY)
  message(FATAL_ERROR "gpucert: no fatbinary found (set GPUCERT_FATBINARY): clang needs one to pack device code")
endif()
set(_gpucert_clang_tools "${CMAKE_BINARY_DIR}/cuda-clang-tools")
configure_file(${CMAKE_CURRENT_LIST_DIR}/clang-fatbinary.sh.in ${_gpucert_clang_tools}/fatbinary
               FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE
               @ONLY)

# CUDA 12's crt/host_defines.h defines __noinline__ as a macro, which breaks libstdc++'s
# __attribute__((__noinline__)); clang knows __noinline__ as a keyword, so the prelude, included after clang's
# CUDA wrapper, takes the macro back.
set(GPUCERT_CUDA_CLANG_OPTIONS -x cuda "--cuda-path=${CUDAToolkit_BIN_DIR}/.." "-B${_gpucert_clang_tools}"
    -include "${CMAKE_CURRENT_LIST_DIR}/clang-cuda-prelude.h" -Wno-unknown-cuda-version -Wno-pedantic -Wno-cuda-compat)

# The headers this build compiles against must be the toolkit's: another CUDA's in a default include folder
# (/usr/local/include) would give host code that toolkit's types with this one's libraries.
file(WRITE ${CMAKE_BINARY_DIR}/cuda-clang-tools/cudart_version.cu "#include <cuda_runtime.h>\ngpucert_cudart_version CUDART_VERSION\n")
execute_process(COMMAND ${CMAKE_CXX_COMPILER} ${GPUCERT_CUDA_CLANG_OPTIONS} --cuda-host-only -isystem ${CUDAToolkit_INCLUDE_DIRS}
                        -E ${CMAKE_BINARY_DIR}/cuda-clang-tools/cudart_version.cu
                OUTPUT_VARIABLE _gpucert_pp ERROR_VARIABLE _gpucert_pp_err RESULT_VARIABLE _gpucert_pp_rc)
string(REGEX MATCH "gpucert_cudart_version ([0-9]+)" _ "${_gpucert_pp}")
math(EXPR _gpucert_want "${CUDAToolkit_VERSION_MAJOR} * 1000 + ${CUDAToolkit_VERSION_MINOR} * 10")
if(NOT CMAKE_MATCH_1 STREQUAL _gpucert_want)
  message(FATAL_ERROR "gpucert: ${CMAKE_CXX_COMPILER} sees CUDART_VERSION '${CMAKE_MATCH_1}' through ${CUDAToolkit_INCLUDE_DIRS}, "
                      "not ${_gpucert_want} (CUDA ${CUDAToolkit_VERSION}): ${_gpucert_pp_err}")
endif()
foreach(arch IN LISTS GPUCERT_CUDA_ARCHITECTURES)
  list(APPEND GPUCERT_CUDA_CLANG_OPTIONS "--cuda-gpu-arch=sm_${arch}")
endforeach()

# The .cu files of these targets, compiled by clang as CUDA (call once every target exists).
function(gpucert_cuda_sources_with_clang)
  foreach(target IN LISTS ARGN)
    if(NOT TARGET ${target})
      continue()
    endif()
    get_target_property(_sources ${target} SOURCES)
    get_target_property(_dir ${target} SOURCE_DIR)
    foreach(source IN LISTS _sources)
      if(source MATCHES "\\.cu$")
        cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY "${_dir}")
        set_source_files_properties(${source} TARGET_DIRECTORY ${target} PROPERTIES
          LANGUAGE CXX COMPILE_OPTIONS "${GPUCERT_CUDA_CLANG_OPTIONS}")
      endif()
    endforeach()
  endforeach()
endfunction()

set(GPUCERT_HAVE_CUBLAS ON)
find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS} NO_DEFAULT_PATH)
find_library(CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} NO_DEFAULT_PATH)
find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} NO_DEFAULT_PATH)
find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} NO_DEFAULT_PATH)
set(GPUCERT_HAVE_CUDNN OFF)
set(GPUCERT_HAVE_NCCL OFF)
if(CUDNN_INCLUDE_DIR AND CUDNN_LIBRARY)
  set(GPUCERT_HAVE_CUDNN ON)
endif()
if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
  set(GPUCERT_HAVE_NCCL ON)
endif()
message(STATUS "gpucert: CUDA ${CUDAToolkit_VERSION} from ${CUDAToolkit_BIN_DIR}/.. without nvcc: device code by "
               "${CMAKE_CXX_COMPILER} for sm_${GPUCERT_CUDA_ARCHITECTURES}, packed by ${GPUCERT_FATBINARY}; "
               "cuDNN ${GPUCERT_HAVE_CUDNN}, NCCL ${GPUCERT_HAVE_NCCL}")
