/* The C ABI between gpucert-worker and a workload plugin (libgpucert-gemm.so, ...). Plugins are loaded
 * with dlopen, so that an image without cuBLAS or cuDNN still runs the worker, and the loader's own message
 * ("libcublas.so.13: cannot open shared object file") becomes the evidence that the library is missing.
 * Everything crossing the boundary is a JSON string of the worker protocol (harness/core/protocol.hpp):
 * no C++ types, so a plugin built by another compiler still loads. */
#ifndef GPUCERT_PLUGIN_ABI_H
#define GPUCERT_PLUGIN_ABI_H

#ifdef __cplusplus
extern "C" {
#endif

#define GPUCERT_PLUGIN_ABI_VERSION 1
#define GPUCERT_PLUGIN_ENTRY "gpucert_plugin_entry_v1"

struct gpucert_plugin_v1 {
  int abi_version;              /* GPUCERT_PLUGIN_ABI_VERSION */
  const char* name;             /* "gemm" */
  const char* const* workloads; /* NULL-terminated: the workload names this plugin runs */
  /* JSON object describing the library it wraps: {"library":"cuBLAS","version":"13.1.0", ...}. */
  char* (*describe)(void);
  /* One run request (the protocol's "run" object) in, one run reply object out. Never throws. */
  char* (*run)(const char* request_json);
  /* Frees a string returned by describe or run. */
  void (*release)(char* text);
};

typedef const struct gpucert_plugin_v1* (*gpucert_plugin_entry_fn)(void);

/* Optional second symbol, for a plugin that keeps state the coordinator sets up outside any run: the NCCL
 * plugin's communicator. Requests other than "run" (the protocol's "nccl_id" and "nccl_init" objects) go in,
 * their reply object comes out, freed with the plugin's release. Never throws. A separate symbol, found
 * with dlsym, rather than a new struct member: plugins without it (gemm, conv) stay as they are, and a
 * worker that does not know it still loads a plugin that has it. */
#define GPUCERT_PLUGIN_CONTROL "gpucert_plugin_control_v1"
typedef char* (*gpucert_plugin_control_fn)(const char* request_json);

#ifdef __cplusplus
}
#endif

#endif
