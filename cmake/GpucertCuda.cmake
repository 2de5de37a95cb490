# CUDA for gpucert: the language, the architecture list, and the optional libraries whose workloads
# become "unavailable" (never a build failure) when they are missing.
find_package(CUDAToolkit 11.8 REQUIRED)
# A toolkit without nvcc (NVIDIA's wheels, laid out by scripts/cuda-toolkit): clang compiles its device code
# (GpucertCudaClang.cmake, docs/CUDA_VERSIONS.md). Only a worker build (GPUCERT_WORKER_ONLY) takes that path.
if(NOT EXISTS "${CUDAToolkit_NVCC_EXECUTABLE}")
  include(GpucertCudaClang)
  return()
endif()

# Default architectures follow the toolkit: every architecture it supports that a data-centre or
# workstation GPU of the last generations has. Never `native`: the build machine may have no GPU.
# Narrow with -DGPUCERT_CUDA_ARCHITECTURES=90 (CI builds sm_90 only).
if(CUDAToolkit_VERSION VERSION_GREATER_EQUAL 13.0)
  set(_gpucert_default_archs "75;80;86;89;90;100;120")
elseif(CUDAToolkit_VERSION VERSION_GREATER_EQUAL 12.8)
  set(_gpucert_default_archs "70;75;80;86;89;90;100;120")
else()
  set(_gpucert_default_archs "70;75;80;86;89;90")
endif()
set(GPUCERT_CUDA_ARCHITECTURES "${_gpucert_default_archs}" CACHE STRING
    "CUDA architectures to build for (default chosen by toolkit version)")
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES "${GPUCERT_CUDA_ARCHITECTURES}")
endif()
if(NOT DEFINED CMAKE_CUDA_COMPILER)
  set(CMAKE_CUDA_COMPILER "${CUDAToolkit_NVCC_EXECUTABLE}")
endif()
# Shared cudart everywhere: the worker and its plugins must share one runtime, and in a container the
# image's own libcudart is what a flavour is certified with.
set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
enable_language(CUDA)
set(CMAKE_CUDA_STANDARD 17)  # CMake 3.25 knows no CUDA20 flag for nvcc; .cu files need only C++17
set(CMAKE_CUDA_STANDARD_REQUIRED ON)

# Optional libraries: each sets GPUCERT_HAVE_<NAME> and is named in the configure summary.
set(GPUCERT_MISSING_LIBRARIES "")
if(TARGET CUDA::cublas AND TARGET CUDA::cublasLt)
  set(GPUCERT_HAVE_CUBLAS ON)
else()
  set(GPUCERT_HAVE_CUBLAS OFF)
  list(APPEND GPUCERT_MISSING_LIBRARIES "cuBLAS (gemm workload)")
endif()

find_path(CUDNN_INCLUDE_DIR cudnn.h
  HINTS ${CUDAToolkit_INCLUDE_DIRS} ENV CUDNN_ROOT PATH_SUFFIXES include x86_64-linux-gnu)
find_library(CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} ENV CUDNN_ROOT PATH_SUFFIXES lib lib64)
if(CUDNN_INCLUDE_DIR AND CUDNN_LIBRARY)
  set(GPUCERT_HAVE_CUDNN ON)
else()
  set(GPUCERT_HAVE_CUDNN OFF)
  list(APPEND GPUCERT_MISSING_LIBRARIES "cuDNN (conv workload)")
endif()

find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} ENV NCCL_ROOT PATH_SUFFIXES include)
find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} ENV NCCL_ROOT PATH_SUFFIXES lib lib64)
if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
  set(GPUCERT_HAVE_NCCL ON)
else()
  set(GPUCERT_HAVE_NCCL OFF)
  list(APPEND GPUCERT_MISSING_LIBRARIES "NCCL (nccl workloads)")
endif()

if(GPUCERT_MISSING_LIBRARIES)
  message(WARNING "gpucert: not found, their workloads will be reported unavailable: ${GPUCERT_MISSING_LIBRARIES}")
endif()
