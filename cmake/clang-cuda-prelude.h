// Included into every .cu file that clang compiles for a toolkit without nvcc, after clang's CUDA runtime wrapper
// (cmake/GpucertCudaClang.cmake): CUDA 12's crt/host_defines.h defines __noinline__ as a macro, which breaks
// libstdc++'s __attribute__((__noinline__)); clang (15 and newer) knows __noinline__ as a keyword.
#undef __noinline__
