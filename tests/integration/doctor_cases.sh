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
#   static_* (no runc, no GPU: `gpucert doctor --image ROOTFS --static`, the image read, never started):
#   static_clean static_architecture static_capabilities static_visible_devices static_requirement
#   static_libcuda_copy static_stub static_compat static_library_major static_frameworks
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
# image_config ROOTFS NAME=VALUE...: the image's Env beside the root filesystem, as the image builder writes it
# (IMAGE_ARCH: its architecture, default this machine's).
image_config() {
  local root=$1; shift
  python3 - "$(dirname "$root")/image-config.json" "${IMAGE_ARCH:-$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')}" "$@" <<'PY'
import json, sys
json.dump({"architecture": sys.argv[2], "os": "linux", "config": {"Env": sys.argv[3:]}}, open(sys.argv[1], "w"))
PY
}
# The Env of an NVIDIA CUDA 13.0 image, which the static cases start from.
cuda_env=(PATH=/usr/local/cuda/bin:/usr/bin:/bin CUDA_VERSION=13.0.1 "NVIDIA_REQUIRE_CUDA=cuda>=13.0 brand=tesla,driver>=535,driver<536"
          NVIDIA_DRIVER_CAPABILITIES=compute,utility NVIDIA_VISIBLE_DEVICES=all
          LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64)
# static_image ROOTFS ENV...: a root filesystem with NVIDIA's layout (Debian, cudart 13 in the toolkit's folder)
static_image() {
  local root=$1; shift
  mkdir -p "$root/etc/ld.so.conf.d" "$root/usr/local/cuda-13.0/targets/x86_64-linux/lib/stubs" "$root/usr/lib/x86_64-linux-gnu"
  echo 12.0 >"$root/etc/debian_version"
  echo 'include /etc/ld.so.conf.d/*.conf' >"$root/etc/ld.so.conf"
  echo /usr/local/cuda/targets/x86_64-linux/lib >"$root/etc/ld.so.conf.d/988_cuda-13.conf"
  ln -sfn cuda-13.0 "$root/usr/local/cuda"
  ln -sfn targets/x86_64-linux/lib "$root/usr/local/cuda-13.0/lib64"
  : >"$root/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13.0.96"
  ln -sfn libcudart.so.13.0.96 "$root/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13"
  : >"$root/usr/local/cuda-13.0/targets/x86_64-linux/lib/stubs/libcuda.so"
  image_config "$root" "$@"
}
doctor_static() { run_doctor --image "$1" --static "${@:2}"; }
expect_fatal() { grep -q "FATAL \[$1\]" "$tmp/out" || fail "FATAL [$1] not given"; }
expect_warning() { grep -q "warning \[$1\]" "$tmp/out" || fail "warning [$1] not given"; }
expect_clean() { expect_exit 0; expect_text "no fault found"; }
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
    # runc's mount point of the worker's bind, made in the root filesystem, is gone with the container.
    [ ! -e "$tmp/image/rootfs/opt/gpucert/bin/gpucert-worker" ] || fail "an empty mount point was left in the image"
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
  static_clean)
    # NVIDIA's layout and Env: nothing to say, with the driver known or not.
    static_image "$tmp/image/rootfs" "${cuda_env[@]}"
    doctor_static "$tmp/image/rootfs" --driver 580.95.05
    expect_clean
    expect_text "driver 580.95.05 (CUDA 13.0)"
    doctor_static "$tmp/image/rootfs"
    expect_clean
    expect_text "requirements not checked"
    ;;
  static_architecture)
    static_image "$tmp/image/rootfs" "${cuda_env[@]}"
    IMAGE_ARCH=ppc64le image_config "$tmp/image/rootfs" "${cuda_env[@]}"
    doctor_static "$tmp/image/rootfs"
    expect_exit 3
    expect_fatal image-architecture-mismatch
    expect_text "exec format error"
    ;;
  static_capabilities)
    static_image "$tmp/image/rootfs" "${cuda_env[@]}" NVIDIA_DRIVER_CAPABILITIES=utility
    doctor_static "$tmp/image/rootfs"
    expect_exit 3
    expect_fatal driver-capabilities-without-compute
    image_config "$tmp/image/rootfs" "${cuda_env[@]}" NVIDIA_DRIVER_CAPABILITIES=compute,cuda
    doctor_static "$tmp/image/rootfs"
    expect_exit 3
    expect_fatal driver-capabilities-unsupported
    expect_text "unsupported capabilities found in 'compute,cuda' (allowed 'compute')"
    ;;
  static_visible_devices)
    # void: a warning when the runtime names the GPUs (--gpus 0 wins over the image), fatal when none does.
    for value in void none; do
      static_image "$tmp/image/rootfs" "${cuda_env[@]}" NVIDIA_VISIBLE_DEVICES=$value
      doctor_static "$tmp/image/rootfs" --gpus 0
      expect_exit 0
      expect_warning nvidia-visible-devices-void
      doctor_static "$tmp/image/rootfs" --gpus ''
      expect_exit 3
      expect_fatal nvidia-visible-devices-void
    done
    ;;
  static_requirement)
    static_image "$tmp/image/rootfs" "${cuda_env[@]}"
    doctor_static "$tmp/image/rootfs" --driver 550.54.14
    expect_exit 3
    expect_fatal requirement-unsatisfied
    expect_text "requirement error: unsatisfied condition: cuda>=13.0, please update your driver to a newer version, or use an earlier cuda container"
    image_config "$tmp/image/rootfs" "${cuda_env[@]}" NVIDIA_DISABLE_REQUIRE=true
    doctor_static "$tmp/image/rootfs" --driver 550.54.14
    expect_clean
    # A legacy image (CUDA_VERSION, no NVIDIA_REQUIRE_CUDA) gets cuda>=MAJOR.MINOR.
    image_config "$tmp/image/rootfs" PATH=/usr/bin:/bin CUDA_VERSION=13.0.1
    doctor_static "$tmp/image/rootfs" --driver 575.57.08
    expect_exit 3
    expect_text "unsatisfied condition: cuda>=13.0"
    ;;
  static_libcuda_copy)
    static_image "$tmp/image/rootfs" "${cuda_env[@]}"
    echo "not a real driver" >"$tmp/image/rootfs/usr/lib/x86_64-linux-gnu/libcuda.so.535.183.01"
    ln -s libcuda.so.535.183.01 "$tmp/image/rootfs/usr/lib/x86_64-linux-gnu/libcuda.so.1"
    doctor_static "$tmp/image/rootfs" --driver 580.95.05
    expect_exit 3
    expect_fatal libcuda-in-image
    expect_text "(this copy is 535.183.01); the host runs 580.95.05"
    [ "$(grep -c 'FATAL \[libcuda-in-image\]' "$tmp/out")" = 1 ] || fail "the copy and its link are one finding"
    ;;
  static_stub)
    static_image "$tmp/image/rootfs" "${cuda_env[@]}" LD_LIBRARY_PATH=/usr/local/cuda/lib64/stubs:/usr/local/nvidia/lib64
    ln -s libcuda.so "$tmp/image/rootfs/usr/local/cuda-13.0/targets/x86_64-linux/lib/stubs/libcuda.so.1"
    doctor_static "$tmp/image/rootfs"
    expect_exit 3
    expect_fatal libcuda-stub-on-loader-path
    expect_text "(LD_LIBRARY_PATH)"
    expect_no_cause libcuda-in-image
    ;;
  static_compat)
    static_image "$tmp/image/rootfs" "${cuda_env[@]}"
    mkdir -p "$tmp/image/rootfs/usr/local/cuda-13.0/compat"
    : >"$tmp/image/rootfs/usr/local/cuda-13.0/compat/libcuda.so.575.57.08"
    doctor_static "$tmp/image/rootfs" --driver 580.95.05
    expect_clean  # off the loader path, the toolkit leaves an older compat libcuda out
    echo /usr/local/cuda/compat >"$tmp/image/rootfs/etc/ld.so.conf.d/000_compat.conf"
    doctor_static "$tmp/image/rootfs" --driver 580.95.05
    expect_exit 3
    expect_fatal cuda-compat-older-than-driver
    expect_text "(803)"
    ;;
  static_library_major)
    static_image "$tmp/image/rootfs" "${cuda_env[@]}" CUDA_VERSION=12.9.1 "NVIDIA_REQUIRE_CUDA=cuda>=12.9"
    doctor_static "$tmp/image/rootfs" --driver 575.57.08
    expect_exit 3
    expect_fatal cuda-library-major-mismatch
    expect_text "libcudart.so.13"
    ;;
  static_frameworks)
    # The classic: nvidia-smi works, torch.cuda.is_available() is False.
    static_image "$tmp/image/rootfs" PATH=/usr/bin:/bin CUDA_VERSION=12.4.1 "NVIDIA_REQUIRE_CUDA=cuda>=12.4" \
      NVIDIA_DRIVER_CAPABILITIES=compute,utility NVIDIA_VISIBLE_DEVICES=all
    find "$tmp/image/rootfs/usr/local/cuda-13.0" -name 'libcudart*' -delete
    site="$tmp/image/rootfs/usr/local/lib/python3.12/dist-packages/torch"
    mkdir -p "$site"
    printf "__version__ = '2.9.0+cu130'\ndebug = False\ncuda: Optional[str] = '13.0'\n" >"$site/version.py"
    doctor_static "$tmp/image/rootfs"
    expect_exit 3
    expect_fatal framework-cuda-newer-than-image
    expect_text "torch 2.9.0+cu130"
    doctor_static "$tmp/image/rootfs" --driver 550.54.14
    expect_fatal framework-cuda-newer-than-driver
    printf "__version__ = '2.5.1+cpu'\ncuda: Optional[str] = None\n" >"$site/version.py"
    doctor_static "$tmp/image/rootfs"
    expect_exit 3
    expect_fatal framework-cpu-only
    rm -rf "$site"
    mkdir -p "$tmp/image/rootfs/opt/conda/conda-meta"
    echo '{}' >"$tmp/image/rootfs/opt/conda/conda-meta/cudatoolkit-11.8.0-h6a678d5_0.json"
    doctor_static "$tmp/image/rootfs"
    expect_exit 0
    expect_warning framework-cuda-differs-from-image
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
