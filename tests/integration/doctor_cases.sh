#!/usr/bin/env bash
# `gpucert doctor` against environments built to fail in one known way each, on a machine without a GPU:
# a root filesystem made of the real gpucert-worker and its libraries (as containers.sh builds it), changed
# for the cause, run with runc through `gpucert doctor --image ROOTFS --runtime oci` (the oci launcher, the
# bundle written by gpucert), or the worker run natively with the variables that make the cause. Each case
# asserts the cause id the doctor prints and its exit code (3: CUDA cannot be used).
# Usage: doctor_cases.sh BIN_DIR CASE. Exits 77 (skipped) with the reason where root, runc or a GPU (for
# gpu_broken_bundle) is missing, and for the constructed cases on a host that has a GPU.
#   visible_devices_void  capabilities_utility  libcuda_absent  no_device_nodes  libcuda_dependency_missing
#   libcuda_without_libdl  libcuda_stub  driver_too_old  torch_differs_from_image  python_probe_limits
#   doctor_usage  gpu_broken_bundle (GPU machine: a bundle whose root filesystem lacks libdl.so.2)
set -euo pipefail
bin=$1
case_name=$2
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$bin/gpucert" ] && [ -x "$bin/gpucert-worker" ] || skip "gpucert or gpucert-worker is not built"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

code=0
run_doctor() {
  echo "+ gpucert doctor $*"
  set +e; "$bin/gpucert" doctor "$@" >"$tmp/out" 2>&1; code=$?; set -e
  cat "$tmp/out"
}
expect_exit() { [ "$code" = "$1" ] || fail "exit code $code, expected $1"; }
expect_cause() { grep -q "cause \[$1\]" "$tmp/out" || fail "cause [$1] not given"; }
expect_no_cause() { ! grep -q "cause \[$1\]" "$tmp/out" || fail "cause [$1] given, but it is not the cause"; }
expect_first_cause() {
  local first
  first=$(grep -o 'cause \[[a-z0-9-]*\]' "$tmp/out" | head -n 1 || true)
  [ "$first" = "cause [$1]" ] || fail "first cause is '${first:-none}', expected [$1]"
}
expect_text() { grep -qF -- "$1" "$tmp/out" || fail "the output does not say '$1'"; }

# These cases build a machine without a GPU; where there is one, the host's GPU would answer instead.
constructed() { [ ! -e /dev/nvidiactl ] || skip "this host has a GPU; the case constructs a host without one"; }
needs_runc() {
  [ "$(id -u)" = 0 ] || skip "needs root (runc makes the container's device nodes and mounts)"
  command -v runc >/dev/null || skip "runc is not installed (apt-get install runc)"
  runc list >/dev/null 2>&1 || skip "runc cannot run here: $(runc list 2>&1 | tail -1)"
}

source "$(dirname "${BASH_SOURCE[0]}")/worker_rootfs.sh"
# image_config ROOTFS NAME=VALUE...: the image's Env beside the root filesystem, as the image builder writes it.
image_config() {
  local root=$1; shift
  python3 - "$(dirname "$root")/image-config.json" "$@" <<'PY'
import json, sys
json.dump({"architecture": "amd64", "os": "linux", "config": {"Env": sys.argv[2:]}}, open(sys.argv[1], "w"))
PY
}
# A host library the C library ships, by name, from the loader's cache (awk reads to the end: see containers.sh).
host_library() { ldconfig -p | awk -v n="$1" '$1 == n && /x86-64|AArch64/ && !f {f = $NF} END {print f}'; }
doctor_image() { run_doctor --image "$1" --runtime oci --gpus 0 --timeout 60 --scratch "$tmp/scratch"; }

# A stand-in libcuda.so.1: fake_libcuda OUT SOURCE [LINK ARGS...]
fake_libcuda() {
  local out=$1 source=$2; shift 2
  printf '%s\n' "$source" >"$tmp/fake_libcuda.c"
  cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$out" "$tmp/fake_libcuda.c" "$@"
}

# What a root filesystem without libdl.so.2 must produce: exit 3 and the missing file named, by the loader
# at libcuda.so.1's load (cudart then says error 35, and the driver must not be blamed) or, for a worker
# linked against the shared cudart (which needs libdl.so.2 itself), at the worker's start.
expect_broken_libdl() {
  expect_exit 3
  if ldd "$bin/gpucert-worker" | grep -q 'libdl\.so\.2'; then
    expect_first_cause worker-library-missing
    expect_text "the image lacks libdl.so.2"
  else
    grep -q "CUDA error:.*(35)" "$tmp/out" || fail "cudart did not report error 35"
    expect_first_cause libcuda-dependency-missing
    expect_text "its dependency libdl.so.2 is missing"
  fi
  expect_text "apt-get install libc6"
  expect_no_cause driver-too-old
}

case "$case_name" in
  visible_devices_void)
    # The worker as the container toolkit leaves it with NVIDIA_VISIBLE_DEVICES=void: no nodes, no driver.
    constructed
    for value in void none ""; do
      NVIDIA_VISIBLE_DEVICES=$value GPUCERT_PROBE_PYTHON=0 run_doctor
      expect_exit 3
      expect_first_cause nvidia-visible-devices-void
      expect_text "NVIDIA_VISIBLE_DEVICES is '$value'"
    done
    ;;
  capabilities_utility)
    # The image says NVIDIA_DRIVER_CAPABILITIES=utility: the toolkit would mount no libcuda.so.1.
    constructed; needs_runc
    make_rootfs "$tmp/image/rootfs"
    image_config "$tmp/image/rootfs" PATH=/usr/bin:/bin NVIDIA_DRIVER_CAPABILITIES=utility CUDA_VERSION=13.0.1
    doctor_image "$tmp/image/rootfs"
    expect_exit 3
    expect_first_cause driver-capabilities-without-compute
    expect_text "NVIDIA_DRIVER_CAPABILITIES is 'utility'"
    expect_text "CUDA_VERSION: 13.0.1"  # the image's Env reached the worker
    ;;
  libcuda_absent)
    constructed; needs_runc
    make_rootfs "$tmp/image/rootfs"
    doctor_image "$tmp/image/rootfs"
    expect_exit 3
    expect_first_cause libcuda-missing
    expect_cause no-device-nodes
    expect_text "libcuda.so.1: cannot open shared object file"
    [ -z "$(ls -A "$tmp/scratch")" ] || fail "the bundle folder was left behind: $(ls "$tmp/scratch")"
    ;;
  no_device_nodes)
    # A libcuda.so.1 that loads (a real library without CUDA in it), but no /dev/nvidia*: the GPU was not given.
    constructed; needs_runc
    make_rootfs "$tmp/image/rootfs"
    libz=$(host_library libz.so.1)
    [ -n "$libz" ] || skip "no libz.so.1 on this host to stand in for libcuda.so.1"
    cp -L "$libz" "$tmp/image/rootfs/usr/lib/libcuda.so.1"
    doctor_image "$tmp/image/rootfs"
    expect_exit 3
    expect_first_cause no-device-nodes
    expect_text "libcuda.so.1: /usr/lib/libcuda.so.1"
    ;;
  libcuda_dependency_missing)
    # libcuda.so.1 is there, but a library it needs is not: the loader's message names it.
    constructed; needs_runc
    make_rootfs "$tmp/image/rootfs"
    echo 'int gpucert_absent_dependency(void) { return 0; }' >"$tmp/dep.c"
    cc -shared -fPIC -o "$tmp/libgpucert_absent_dependency.so" "$tmp/dep.c"
    fake_libcuda "$tmp/image/rootfs/usr/lib/libcuda.so.1" \
      'int gpucert_absent_dependency(void); int cuInit(unsigned f) { (void)f; return gpucert_absent_dependency(); }' \
      -L"$tmp" -lgpucert_absent_dependency
    doctor_image "$tmp/image/rootfs"
    expect_exit 3
    expect_first_cause libcuda-dependency-missing
    expect_text "its dependency libgpucert_absent_dependency.so is missing"
    ;;
  libcuda_without_libdl)
    # As the real libcuda.so.1 does, the stand-in needs libdl.so.2, and the root filesystem lacks it. A worker
    # linked against the shared cudart needs it too and cannot start: the doctor names the file either way.
    constructed; needs_runc
    [ -n "$(host_library libdl.so.2)" ] || skip "no libdl.so.2 on this host"
    make_rootfs "$tmp/image/rootfs"
    find "$tmp/image/rootfs" -name libdl.so.2 -delete
    fake_libcuda "$tmp/image/rootfs/usr/lib/libcuda.so.1" \
      '#include <dlfcn.h>
       int cuInit(unsigned f) { (void)f; return dlerror() != 0; }' -Wl,--no-as-needed "$(host_library libdl.so.2)"
    readelf -d "$tmp/image/rootfs/usr/lib/libcuda.so.1" | grep -q 'libdl\.so\.2' || skip "the toolchain linked no libdl.so.2"
    doctor_image "$tmp/image/rootfs"
    expect_broken_libdl
    ;;
  libcuda_stub)
    # The toolkit's stub as libcuda.so.1: in the image through LD_LIBRARY_PATH, and natively from a plain folder.
    constructed; needs_runc
    stub=""
    for dir in "${CUDA_HOME:-/usr/local/cuda}" /usr/local/cuda; do
      [ -f "$dir/lib64/stubs/libcuda.so" ] && { stub="$dir/lib64/stubs/libcuda.so"; break; }
    done
    [ -n "$stub" ] || skip "no CUDA toolkit stub (lib64/stubs/libcuda.so) here"
    make_rootfs "$tmp/image/rootfs"
    mkdir -p "$tmp/image/rootfs/usr/local/cuda/lib64/stubs"
    cp -L "$stub" "$tmp/image/rootfs/usr/local/cuda/lib64/stubs/libcuda.so"
    ln -s libcuda.so "$tmp/image/rootfs/usr/local/cuda/lib64/stubs/libcuda.so.1"
    image_config "$tmp/image/rootfs" PATH=/usr/bin:/bin LD_LIBRARY_PATH=/usr/local/cuda/lib64/stubs
    doctor_image "$tmp/image/rootfs"
    expect_exit 3
    expect_first_cause libcuda-stub
    expect_text "/usr/local/cuda/lib64/stubs/libcuda.so"
    mkdir -p "$tmp/lib"
    cp -L "$stub" "$tmp/lib/libcuda.so.1"
    LD_LIBRARY_PATH="$tmp/lib" GPUCERT_PROBE_PYTHON=0 run_doctor
    expect_exit 3
    expect_first_cause libcuda-stub
    expect_text "cudaErrorStubLibrary"
    ;;
  driver_too_old)
    # A libcuda.so.1 whose driver supports CUDA 12.4 under a CUDA 13 runtime: error 35, the driver too old.
    # The environment's PyTorch, built for CUDA 13.0, is then newer than the driver too.
    constructed; needs_runc
    make_rootfs "$tmp/image/rootfs"
    fake_libcuda "$tmp/image/rootfs/usr/lib/libcuda.so.1" \
      'int cuDriverGetVersion(int* v) { *v = 12040; return 0; }
       int cuInit(unsigned f) { (void)f; return 0; }'
    printf '%s\n' '#include <stdio.h>' \
      'int main(void) { puts("{\"torch_version\": \"2.9.0+cu130\", \"torch_cuda\": \"13.0\", \"is_available\": false, \"device_count\": 0, \"error\": null, \"warnings\": [\"The NVIDIA driver on your system is too old (found version 12040).\"]}"); return 0; }' \
      >"$tmp/python3.c"
    cc -o "$tmp/image/rootfs/usr/bin/python3" "$tmp/python3.c"
    image_config "$tmp/image/rootfs" PATH=/usr/bin:/bin CUDA_VERSION=13.0.1
    doctor_image "$tmp/image/rootfs"
    expect_exit 3
    grep -q "CUDA error:.*(35)" "$tmp/out" || fail "cudart did not report error 35"
    expect_cause driver-too-old
    expect_text "the driver supports CUDA 12.4, older than this CUDA runtime 13."
    expect_cause torch-cuda-newer-than-driver
    expect_text "found version 12040"
    ;;
  torch_differs_from_image)
    # A PyTorch built for CUDA 12.1 in an image of CUDA 13.0: python3 stands in, printing what torch would say.
    constructed; needs_runc
    make_rootfs "$tmp/image/rootfs"
    printf '%s\n' '#include <stdio.h>' \
      'int main(int argc, char** argv) { if (argc != 3 || argv[1][0] != 0x2d || argv[1][1] != 0x63) return 2;' \
      '  puts("{\"torch_version\": \"2.3.0+cu121\", \"torch_cuda\": \"12.1\", \"is_available\": false, \"device_count\": 0, \"error\": null, \"warnings\": []}"); return 0; }' \
      >"$tmp/python3.c"
    cc -o "$tmp/image/rootfs/usr/bin/python3" "$tmp/python3.c"
    image_config "$tmp/image/rootfs" PATH=/usr/local/bin:/usr/bin:/bin CUDA_VERSION=13.0
    doctor_image "$tmp/image/rootfs"
    expect_exit 3
    expect_cause torch-cuda-differs-from-image
    expect_text "PyTorch 2.3.0+cu121 is built for CUDA 12.1, but the image is CUDA 13.0"
    expect_text "PyTorch:      2.3.0+cu121 (CUDA 12.1)"
    expect_text "download.pytorch.org/whl/cu130"
    # Switched off, PyTorch is not asked.
    GPUCERT_PROBE_PYTHON=0 doctor_image "$tmp/image/rootfs"
    expect_no_cause torch-cuda-differs-from-image
    expect_text "PyTorch:      not asked"
    ;;
  python_probe_limits)
    # A python3 that never answers is killed at the limit (the doctor still answers), one that prints
    # garbage is reported as such; natively, with python3 first on PATH.
    constructed
    mkdir -p "$tmp/hang" "$tmp/garbage"
    printf '#include <unistd.h>\nint main(void) { if (fork() == 0) for (;;) pause(); for (;;) pause(); }\n' >"$tmp/hang.c"
    cc -o "$tmp/hang/python3" "$tmp/hang.c"
    start=$(date +%s)
    PATH="$tmp/hang:$PATH" GPUCERT_PROBE_PYTHON_TIMEOUT_S=2 run_doctor --timeout 60
    [ $(($(date +%s) - start)) -lt 30 ] || fail "the hanging python3 held the probe up"
    expect_exit 3
    expect_text "did not answer within 2 s and was killed"
    printf '#!/bin/sh\necho "Traceback: not what was asked" >&2\nexit 1\n' >"$tmp/garbage/python3"
    chmod +x "$tmp/garbage/python3"
    PATH="$tmp/garbage:$PATH" run_doctor
    expect_exit 3
    expect_text "gave no answer (exit code 1): Traceback: not what was asked"
    ;;
  doctor_usage)
    "$bin/gpucert" doctor --help >"$tmp/out"
    for text in --image --runtime --gpus --scratch "Examples:" "--runtime oci" "image-config.json" "GPUCERT_PROBE_PYTHON=0" "Exit codes"; do
      grep -qF -- "$text" "$tmp/out" || fail "doctor --help does not mention $text"
    done
    run_doctor --image localhost/cuda:13.0-base --runtime podman-ish
    expect_exit 2
    expect_text "unknown runtime 'podman-ish'"
    run_doctor --image localhost/cuda:13.0-base
    expect_exit 2
    expect_text "name the runtime"
    run_doctor --runtime docker
    expect_exit 2
    run_doctor --image localhost/cuda:13.0-base --runtime docker --gpus all
    expect_exit 2
    expect_text "neither an index"
    ;;
  gpu_broken_bundle)
    # On a GPU machine: the host's driver works, and a bundle whose root filesystem lacks libdl.so.2 (which
    # libcuda.so.1 needs) makes cudart report error 35. The doctor must blame the missing file, not the
    # driver; the same bundle with libdl.so.2 put back must work.
    [ -e /dev/nvidiactl ] || skip "no NVIDIA GPU here (/dev/nvidiactl is missing)"
    [ "$(id -u)" = 0 ] || skip "needs root (runc)"
    command -v runc >/dev/null || skip "runc is not on PATH (apt-get install runc; or copy the runc binary and its libseccomp onto the host and put them on PATH and LD_LIBRARY_PATH)"
    runc list >/dev/null 2>&1 || skip "runc cannot run here: $(runc list 2>&1 | tail -1)"
    gpu=${GPUCERT_TEST_GPUS:-0}; gpu=${gpu%% *}
    GPUCERT_PROBE_PYTHON=0 run_doctor --gpus "$gpu"
    expect_exit 0
    make_rootfs "$tmp/image/rootfs"
    # The rest of what libcuda.so.1 needs of the C library is there, so libdl.so.2 is the one missing file.
    for name in libpthread.so.0 librt.so.1 libm.so.6; do
      path=$(host_library "$name"); [ -n "$path" ] && cp -L "$path" "$tmp/image/rootfs/usr/lib/"
    done
    libdl=$(host_library libdl.so.2)
    [ -n "$libdl" ] || skip "no libdl.so.2 on this host"
    find "$tmp/image/rootfs" -name libdl.so.2 -delete
    GPUCERT_PROBE_PYTHON=0 run_doctor --image "$tmp/image/rootfs" --runtime oci --gpus "$gpu" --scratch "$tmp/scratch"
    expect_broken_libdl
    cp -L "$libdl" "$tmp/image/rootfs/usr/lib/"
    GPUCERT_PROBE_PYTHON=0 run_doctor --image "$tmp/image/rootfs" --runtime oci --gpus "$gpu" --scratch "$tmp/scratch"
    expect_exit 0
    expect_text "verdict:      CUDA works here"
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
