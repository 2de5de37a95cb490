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

# Clang's CUDA mode needs the toolkit's headers after its own CUDA wrapper headers, where --cuda-path puts them;
# an -isystem of that folder, as FindCUDAToolkit's targets carry it, comes first and breaks libstdc++'s
# __noinline__ attributes. Host files find the headers all the same, last.
get_property(_gpucert_imported DIRECTORY PROPERTY IMPORTED_TARGETS)
foreach(t IN LISTS _gpucert_imported)
  if(t MATCHES "^CUDA::")
    get_target_property(_dirs ${t} INTERFACE_INCLUDE_DIRECTORIES)
    if(_dirs)
      set_property(TARGET ${t} PROPERTY INTERFACE_INCLUDE_DIRECTORIES "")
      set_property(TARGET ${t} PROPERTY INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "")
      foreach(d IN LISTS _dirs)
        set_property(TARGET ${t} APPEND PROPERTY INTERFACE_COMPILE_OPTIONS "SHELL:-idirafter ${d}")
      endforeach()
    endif()
  endif()
endforeach()

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

set(GPUCERT_CUDA_CLANG_OPTIONS -x cuda "--cuda-path=${CUDAToolkit_BIN_DIR}/.." "-B${_gpucert_clang_tools}"
    -Wno-unknown-cuda-version -Wno-pedantic -Wno-cuda-compat)
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
