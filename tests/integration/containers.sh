#!/usr/bin/env bash
# The container launchers against real runtimes on a machine without a GPU: the real gpucert-worker in a
# root filesystem made of it and its libraries, started through the launcher's own argv (container_probe),
# with stand-in device nodes for the GPUs. Usage: containers.sh BIN_DIR CASE (podman_probe, runc_probe,
# runc_gpu, cdi_command). runc_gpu is the same bundle with this host's real GPUs and driver (GPUCERT_TEST_GPUS, default
# "0"), for a GPU machine. Exits 77 (skipped) with the reason when the runtime or the GPU is missing.
set -euo pipefail
bin=$1
case_name=$2
skip() { echo "SKIP: $*"; exit 77; }
if [ "$case_name" = cdi_command ]; then
  # `gpucert cdi` on this host: a spec where there are GPUs, exit 3 and the reason where there are none.
  out=$(mktemp)
  trap 'rm -f "$out" "$out.err"' EXIT
  set +e; "$bin/gpucert" cdi --output "$out" 2>"$out.err"; code=$?; set -e
  cat "$out.err"
  if [ -e /dev/nvidiactl ]; then
    [ "$code" = 0 ] || { echo "FAIL: exit code $code on a GPU host"; exit 1; }
    python3 - "$out" <<'PY' || { echo "FAIL: the spec is not what podman reads"; exit 1; }
import json, sys
spec = json.load(open(sys.argv[1]))
assert spec["cdiVersion"] == "0.5.0" and spec["kind"] == "nvidia.com/gpu", spec
names = [d["name"] for d in spec["devices"]]
assert "0" in names and "all" in names, names
assert any(m["containerPath"].endswith("/libcuda.so.1") for m in spec["containerEdits"]["mounts"]), spec
print(json.dumps(spec, indent=1))
PY
  else
    [ "$code" = 3 ] || { echo "FAIL: exit code $code on a host without GPU, expected 3"; exit 1; }
    grep -q "no NVIDIA GPU device node" "$out.err" || { echo "FAIL: the reason is not given"; exit 1; }
  fi
  exit 0
fi

[ "$(id -u)" = 0 ] || skip "needs root (CDI specs live in /var/run/cdi; runc makes device nodes)"
[ -x "$bin/gpucert-worker" ] && [ -x "$bin/gpucert_container_probe" ] || skip "gpucert-worker or the probe driver is not built"

tmp=$(mktemp -d)
image=""
cdi_file=""
cleanup() {
  [ -n "$image" ] && podman rmi --force "$image" >/dev/null 2>&1 || true
  [ -n "$cdi_file" ] && rm -f "$cdi_file"
  rm -rf "$tmp"
}
trap cleanup EXIT

source "$(dirname "${BASH_SOURCE[0]}")/worker_rootfs.sh"

plugins=()
for p in "$bin"/libgpucert-*.so; do [ -f "$p" ] && plugins+=("$p"); done

case "$case_name" in
  podman_probe)
    command -v podman >/dev/null || skip "podman is not installed (apt-get install podman runc)"
    command -v runc >/dev/null || skip "runc is not installed (podman runs it here: crun fails on hybrid cgroups)"
    podman --runtime runc info >/dev/null 2>&1 || skip "podman cannot run here: $(podman --runtime runc info 2>&1 | tail -1)"
    mkdir -p /var/run/cdi
    make_rootfs "$tmp/rootfs"
    tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
    image="localhost/gpucert-itest:$$"
    # As NVIDIA's CUDA images do: the folder where CDI binds the driver libraries is on the loader's path.
    podman import --change "ENV LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64" \
      "$tmp/rootfs.tar" "$image" >/dev/null
    cdi_file="/var/run/cdi/gpucert-itest-$$.json"
    # A stand-in with libcuda's soname: the spec binds it at its host path and its update-ldcache hook
    # (`gpucert cdi hook`) must put that folder in the container's ld cache.
    command -v cc >/dev/null || skip "no C compiler here to build a stand-in libcuda.so.1"
    [ -x "$bin/gpucert" ] || skip "gpucert is not built (the spec's hooks run it)"
    mkdir -p "$tmp/standin"
    echo 'int gpucert_stand_in(void) { return 0; }' >"$tmp/standin/standin.c"
    cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$tmp/standin/libcuda.so.1" "$tmp/standin/standin.c"
    GPUCERT_TEST_CDI_HOOK=$(readlink -f "$bin/gpucert") \
    "$bin/gpucert_container_probe" podman "$image" "$bin/gpucert-worker" "$cdi_file" "$tmp/standin/libcuda.so.1" \
      "${plugins[@]}"
    ;;
  runc_probe)
    command -v runc >/dev/null || skip "runc is not installed (apt-get install runc)"
    runc list >/dev/null 2>&1 || skip "runc cannot run here: $(runc list 2>&1 | tail -1)"
    mkdir -p "$tmp/bundle"
    make_rootfs "$tmp/bundle/rootfs"
    # A real shared library with no CUDA in it plays libcuda.so.1 (its soname too, since the rebuilt ld
    # cache files libraries by soname), to see the toolkit's placement and the ld cache rebuild work.
    command -v cc >/dev/null || skip "no C compiler here to build a stand-in libcuda.so.1"
    mkdir -p "$tmp/standin"
    echo 'int gpucert_stand_in(void) { return 0; }' >"$tmp/standin/standin.c"
    cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$tmp/standin/libcuda.so.1" "$tmp/standin/standin.c"
    "$bin/gpucert_container_probe" oci "$tmp/bundle/rootfs" "$tmp/bundle" "$bin/gpucert-worker" "$tmp/standin/libcuda.so.1"
    ;;
  runc_gpu)
    [ -e /dev/nvidiactl ] || skip "no NVIDIA GPU here (/dev/nvidiactl is missing)"
    command -v runc >/dev/null || skip "runc is not on PATH (apt-get install runc; or copy the runc binary and its libseccomp onto the host and put them on PATH and LD_LIBRARY_PATH)"
    runc list >/dev/null 2>&1 || skip "runc cannot run here: $(runc list 2>&1 | tail -1)"
    mkdir -p "$tmp/bundle"
    make_rootfs "$tmp/bundle/rootfs"
    read -r -a gpus <<<"${GPUCERT_TEST_GPUS:-0}"
    "$bin/gpucert_container_probe" oci-host "$tmp/bundle/rootfs" "$tmp/bundle" "$bin/gpucert-worker" "${gpus[@]}"
    ;;
  *)
    echo "unknown case $case_name" >&2
    exit 2
    ;;
esac
