# A gpucert-worker and its plugins for each further CUDA toolkit in GPUCERT_CUDA_TOOLKITS, from this same source
# tree, into <build>/cuda<major>/bin (and <build>/cuda<major>/lib, Google Benchmark's library): gpucert finds
# them there and puts into each image the worker of that image's CUDA major (docs/CUDA_VERSIONS.md).
#   -DGPUCERT_CUDA_TOOLKITS="$(scripts/cuda-toolkit 12)"      a toolkit laid out from NVIDIA's wheels
#   -DGPUCERT_CUDA_TOOLKITS=/usr/local/cuda-12.9;/usr/local/cuda-11.8   full toolkits, with their nvcc
# A toolkit with nvcc compiles with it (a host compiler it accepts: GPUCERT_CUDA_HOST_COMPILER_<major>, e.g.
# g++-11 for CUDA 11.8); one without (the wheels have none) compiles device code with clang (GPUCERT_CUDA_CLANG).
set(GPUCERT_CUDA_TOOLKITS "" CACHE STRING "More CUDA toolkit roots to build a worker for, one per CUDA major")
set(GPUCERT_CUDA_CLANG "" CACHE FILEPATH "clang++ that compiles device code for toolkits without nvcc (default: clang++-16, clang++)")
set(GPUCERT_EXTRA_CUDA_MAJORS "")  # the majors built here; GPUCERT_CUDA_ROOT_<major> is each one's toolkit
if(NOT GPUCERT_CUDA_TOOLKITS)
  return()
endif()
include(ExternalProject)

set(_gpucert_majors "${CUDAToolkit_VERSION_MAJOR}")
foreach(root IN LISTS GPUCERT_CUDA_TOOLKITS)
  set(_version "")
  if(EXISTS "${root}/version.json")
    file(READ "${root}/version.json" _json)
    string(JSON _version ERROR_VARIABLE _err GET "${_json}" cuda version)
  endif()
  if(NOT _version AND EXISTS "${root}/version.txt")
    file(STRINGS "${root}/version.txt" _line REGEX "CUDA Version")
    string(REGEX MATCH "[0-9]+\\.[0-9]+(\\.[0-9]+)?" _version "${_line}")
  endif()
  if(NOT _version AND EXISTS "${root}/include/cuda_runtime_api.h")
    file(STRINGS "${root}/include/cuda_runtime_api.h" _line REGEX "#define CUDART_VERSION ")
    string(REGEX MATCH "[0-9]+" _v "${_line}")
    math(EXPR _major "${_v} / 1000")
    math(EXPR _minor "${_v} % 1000 / 10")
    set(_version "${_major}.${_minor}")
  endif()
  if(NOT _version)
    message(FATAL_ERROR "gpucert: GPUCERT_CUDA_TOOLKITS: ${root} is not a CUDA toolkit (no version.json, version.txt "
                        "or include/cuda_runtime_api.h); scripts/cuda-toolkit 12 lays one out")
  endif()
  string(REGEX MATCH "^[0-9]+" _major "${_version}")
  if(_major IN_LIST _gpucert_majors)
    message(FATAL_ERROR "gpucert: GPUCERT_CUDA_TOOLKITS: a worker for CUDA ${_major} is built already; ${root} "
                        "(CUDA ${_version}) would replace it. One toolkit per CUDA major.")
  endif()
  list(APPEND _gpucert_majors ${_major})
  list(APPEND GPUCERT_EXTRA_CUDA_MAJORS ${_major})
  set(GPUCERT_CUDA_ROOT_${_major} "${root}")

  set(_args -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE} -DGPUCERT_WORKER_ONLY=ON -DGPUCERT_BUILD_TESTS=OFF
            -DCUDAToolkit_ROOT=${root} -DGPUCERT_WERROR=OFF)
  foreach(var CMAKE_CXX_COMPILER_LAUNCHER CMAKE_CUDA_COMPILER_LAUNCHER GPUCERT_CUDNN_FRONTEND_INCLUDE_DIR)
    if(${var})
      list(APPEND _args -D${var}=${${var}})
    endif()
  endforeach()
  # The main build's narrowed architecture list, where the other toolkit knows them all.
  if(DEFINED CACHE{GPUCERT_CUDA_ARCHITECTURES})
    set(_archs "${GPUCERT_CUDA_ARCHITECTURES}")
    if(_major LESS 13)
      list(FILTER _archs INCLUDE REGEX "^(70|75|80|86|89|90)$")
    endif()
    if(_archs)
      string(REPLACE ";" "$<SEMICOLON>" _archs "${_archs}")
      list(APPEND _args "-DGPUCERT_CUDA_ARCHITECTURES=${_archs}" "-DCMAKE_CUDA_ARCHITECTURES=${_archs}")
    endif()
  endif()
  if(EXISTS "${root}/bin/nvcc")
    list(APPEND _args -DCMAKE_CUDA_COMPILER=${root}/bin/nvcc)
    if(GPUCERT_CUDA_HOST_COMPILER_${_major})
      list(APPEND _args -DCMAKE_CUDA_HOST_COMPILER=${GPUCERT_CUDA_HOST_COMPILER_${_major}})
    endif()
    set(_how "its nvcc")
  else()
    if(NOT GPUCERT_CUDA_CLANG)
      find_program(GPUCERT_CUDA_CLANG_FOUND NAMES clang++-16 clang++-17 clang++-18 clang++)
      set(_clang "${GPUCERT_CUDA_CLANG_FOUND}")
    else()
      set(_clang "${GPUCERT_CUDA_CLANG}")
    endif()
    if(NOT _clang)
      message(FATAL_ERROR "gpucert: ${root} (CUDA ${_version}) has no nvcc, so clang compiles its device code, and no "
                          "clang++ was found: apt-get install clang-16 (scripts/setup --cuda ${_major} does), or set "
                          "GPUCERT_CUDA_CLANG")
    endif()
    list(APPEND _args -DCMAKE_CXX_COMPILER=${_clang})
    if(CUDAToolkit_BIN_DIR AND EXISTS "${CUDAToolkit_BIN_DIR}/fatbinary")
      list(APPEND _args -DGPUCERT_FATBINARY=${CUDAToolkit_BIN_DIR}/fatbinary)
    endif()
    set(_how "${_clang} (the toolkit has no nvcc)")
  endif()
  ExternalProject_Add(gpucert-worker-cuda${_major}
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${CMAKE_BINARY_DIR}/cuda${_major}
    PREFIX ${CMAKE_BINARY_DIR}/cuda${_major}-project
    CMAKE_ARGS ${_args}
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON
    USES_TERMINAL_BUILD ON)
  message(STATUS "gpucert: a worker for CUDA ${_version} from ${root}, compiled by ${_how}: ${CMAKE_BINARY_DIR}/cuda${_major}/bin")
endforeach()
