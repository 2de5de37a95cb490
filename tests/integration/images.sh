#!/usr/bin/env bash
# The image flavors built by images/build-local from this machine's CUDA toolkit and a Debian 12 debootstrap
# rootfs, under real podman: each image's environment and labels (podman image inspect), then the real
# gpucert-worker bound in and probed inside, and the library inventory of images/flavors.json asserted:
# base loads cudart and fails on cuBLAS/NCCL/cuDNN with the loader's own message; runtime loads cuBLAS and NCCL
# but not cuDNN; runtime-cudnn loads cuDNN; devel (GPUCERT_TEST_DEVEL=1) compiles with its nvcc.
# Usage: images.sh BIN_DIR [CUDA_ROOT [GPUCERT]]: the worker in BIN_DIR must be of CUDA_ROOT's major (default
# /usr/local/cuda; a CUDA 12 toolkit from scripts/cuda-toolkit with build/cuda12/bin). With GPUCERT (the gpucert
# binary, of another CUDA major than CUDA_ROOT), also: `gpucert doctor --image` picks the worker of the image's
# major, and a gpucert whose only worker is of its own major refuses the image with the reason.
# Exits 77 (skipped) with the reason when podman, debootstrap or the network is missing.
# The debootstrap download is cached beside BIN_DIR (image-cache/), so only the first run needs the network.
set -euo pipefail
bin=$(cd "$1" && pwd)
cuda=${2:-/usr/local/cuda}
gpucert=${3:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
failures=0
check() {  # description command...
  local what=$1; shift
  if "$@"; then echo "ok:   $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

[ "$(id -u)" = 0 ] || skip "needs root (debootstrap and the image root filesystems)"
command -v podman >/dev/null || skip "podman is not installed (apt-get install podman runc)"
command -v runc >/dev/null || skip "runc is not installed (podman runs it here: crun fails on hybrid cgroups)"
podman --runtime runc info >/dev/null 2>&1 || skip "podman cannot run here: $(podman --runtime runc info 2>&1 | tail -1)"
command -v python3 >/dev/null || skip "python3 is missing (images/build-local and this test read JSON with it)"
[ -x "$bin/gpucert-worker" ] || skip "gpucert-worker is not built"
[ -f "$cuda/include/cuda_runtime_api.h" ] || skip "no CUDA toolkit in $cuda"
cache=${GPUCERT_IMAGE_CACHE:-$bin/../image-cache}
mkdir -p "$cache"
if [ ! -f "$cache/debian12-minbase-amd64.tar" ] && [ ! -f "$cache/debian12-minbase-arm64.tar" ]; then
  command -v debootstrap >/dev/null || skip "debootstrap is not installed (apt-get install debootstrap)"
  timeout 10 bash -c 'exec 3<>/dev/tcp/deb.debian.org/80' 2>/dev/null \
    || skip "deb.debian.org is unreachable and $cache holds no Debian rootfs yet (debootstrap needs the network once)"
fi

major=$(awk '$1 == "#define" && $2 == "CUDART_VERSION" {print int($3 / 1000); exit}' "$cuda/include/cuda_runtime_api.h")
flavors=(base runtime runtime-cudnn)
if [ "${GPUCERT_TEST_DEVEL:-0}" = 1 ]; then
  if [ -x "$cuda/bin/nvcc" ]; then flavors+=(devel); else echo "devel left out: $cuda has no nvcc (NVIDIA's wheels carry none)"; fi
fi
repo="localhost/gpucert-itest-cuda-$$"
tmp=$(mktemp -d)
cleanup() {
  local images
  images=$(podman images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep "^$repo:" || true)
  [ -n "$images" ] && podman rmi --force $images >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

start=$(date +%s)
"$root/images/build-local" --rootfs debootstrap --output podman --repository "$repo" --cache "$cache" --cuda "$cuda" "${flavors[@]}" \
  || { echo "FAIL: images/build-local"; exit 1; }
echo "built ${flavors[*]} in $(($(date +%s) - start)) s"

# The worker is bound in, as gpucert does; its one non-CUDA library (Google Benchmark) beside it in a folder
# the loader searches by default. Plugins bound beside the worker, where it looks for them.
binds=(-v "$bin/gpucert-worker:/opt/gpucert/bin/gpucert-worker:ro")
for p in "$bin"/libgpucert-*.so; do [ -f "$p" ] && binds+=(-v "$p:/opt/gpucert/bin/$(basename "$p"):ro"); done
triplet=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
while read -r name arrow path _; do
  case "$name" in libbenchmark*) [ "$arrow" = "=>" ] && binds+=(-v "$(readlink -f "$path"):/usr/lib/$triplet/$name:ro") ;; esac
done < <(ldd "$bin/gpucert-worker")
run() {  # image command... (no network, no GPU: what the image holds is all there is)
  podman --runtime runc run --rm -i --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "${binds[@]}" "$@"
}

python3 - "$root/images/flavors.json" "$major" >"$tmp/sonames" <<'PY'
import json, sys
libs = json.load(open(sys.argv[1]))["cuda_majors"][sys.argv[2]]["libraries"]
for k, v in libs.items():
    print(k, v)
PY
soname() { awk -v k="$1" '$1 == k {print $2}' "$tmp/sonames"; }

# Does the image's loader find LIBRARY by its soname? The loader's own answer, through LD_PRELOAD.
preload() {  # image soname -> prints the loader's message, empty when it loaded
  run "$1" /bin/sh -c "LD_PRELOAD=$2 /bin/true" 2>&1 || true
}
loads() { [ -z "$(preload "$1" "$2")" ]; }
fails_with_loader_message() {
  local msg
  msg=$(preload "$1" "$2")
  echo "      loader: $msg"
  [[ "$msg" == *"$2"*"cannot open shared object file"* ]]
}

# From the worker's probe: the "libraries" inventory when the worker has one, else the plugins' load evidence.
probe_field() {  # probe-json python-expression
  python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
library_state() {  # probe-json key -> "loaded PATH" | "missing ERROR" | "unknown"
  probe_field "$1" "next((('loaded ' + l['path']) if l['loaded'] else ('missing ' + l['error']) for l in p.get('libraries', []) if l.get('library') == '$2'), 'unknown')"
}
workload_evidence() { probe_field "$1" "next((w['evidence'] for w in p['workloads'] if w['name'] == '$2'), '(no such workload)')"; }

check_library() {  # image probe-json key want(loaded|absent)
  local image=$1 probe=$2 key=$3 want=$4 state name
  name=$(soname "$key")
  state=$(library_state "$probe" "$key")
  if [ "$state" != unknown ]; then
    echo "      probe: $key: $state"
    if [ "$want" = loaded ]; then [[ "$state" == loaded* ]]; else [[ "$state" == "missing $name"*"cannot open shared object file"* ]]; fi
  elif [ "$want" = loaded ]; then
    loads "$image" "$name"
  else
    fails_with_loader_message "$image" "$name"
  fi
}

env_of() { podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$1" | awk -v k="$2=" 'index($0, k) == 1 {print substr($0, length(k) + 1)}'; }
label_of() { podman image inspect --format "{{index .Config.Labels \"$2\"}}" "$1"; }

for f in "${flavors[@]}"; do
  image=$(podman images --format '{{.Repository}}:{{.Tag}}' | grep -E "^$repo:[0-9.]+-$f-[a-z]+[0-9.]*\$" | head -n1 || true)
  echo "== $f: $image"
  [ -n "$image" ] || { echo "FAIL: no image for $f"; failures=$((failures + 1)); continue; }
  check "tag is not latest" test "${image##*:}" != latest
  check "CUDA_VERSION=$(env_of "$image" CUDA_VERSION) is CUDA $major" [ "$(env_of "$image" CUDA_VERSION | cut -d. -f1)" = "$major" ]
  check "NVIDIA_REQUIRE_CUDA starts with cuda>=$major." bash -c "[[ \"\$1\" == cuda\>=$major.* ]]" _ "$(env_of "$image" NVIDIA_REQUIRE_CUDA)"
  check "NVIDIA_DRIVER_CAPABILITIES=compute,utility" [ "$(env_of "$image" NVIDIA_DRIVER_CAPABILITIES)" = compute,utility ]
  check "NVIDIA_VISIBLE_DEVICES=all" [ "$(env_of "$image" NVIDIA_VISIBLE_DEVICES)" = all ]
  check "LD_LIBRARY_PATH has /usr/local/nvidia/lib64" bash -c '[[ "$1" == */usr/local/nvidia/lib64* ]]' _ "$(env_of "$image" LD_LIBRARY_PATH)"
  check "label org.opencontainers.image.version" [ -n "$(label_of "$image" org.opencontainers.image.version)" ]
  [ "$f" = runtime-cudnn ] && check "label com.nvidia.cudnn.version=$(label_of "$image" com.nvidia.cudnn.version)" \
    bash -c '[[ "$1" == "$2".* ]]' _ "$(label_of "$image" com.nvidia.cudnn.version)" "$(soname cudnn | sed 's/.*\.so\.//')"
  # The static doctor on the clean flavor: no finding, against a driver of its CUDA and with no driver known.
  podman image inspect "$image" >"$tmp/inspect-$f.json"
  mnt=$(podman image mount "$image")
  for driver in 580.95.05 ""; do
    check "doctor --static finds nothing in $f${driver:+ (driver $driver)}" bash -c \
      '"$1" doctor --image "$2" --static --image-config "$3" ${4:+--driver "$4"} >"$5" 2>&1 && grep -q "no fault found" "$5" || { cat "$5"; false; }' \
      _ "${gpucert:-$bin/gpucert}" "$mnt" "$tmp/inspect-$f.json" "$driver" "$tmp/static-$f.out"
  done
  podman image unmount "$image" >/dev/null
  check "no libcuda.so.1 in the image" bash -c '! podman run --rm --network none --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$1" find / -xdev -name "libcuda.so.1*" | grep -q .' _ "$image"

  probe="$tmp/probe-$f.json"
  printf '%s\n' '{"op":"probe"}' '{"op":"quit"}' | run "$image" /opt/gpucert/bin/gpucert-worker 2>"$tmp/worker-$f.err" \
    | head -n1 >"$probe" || true
  if ! probe_field "$probe" "p['ok']" >/dev/null 2>&1; then
    echo "FAIL: the worker's probe did not answer in $f"; cat "$tmp/worker-$f.err"; failures=$((failures + 1)); continue
  fi
  check "the worker ran on the image's cudart (runtime_version $(probe_field "$probe" "p['runtime_version']"))" \
    [ "$(probe_field "$probe" "p['runtime_version'] // 1000")" = "$major" ]
  check "libcuda.so.1 is not in the image (the loader says: $(probe_field "$probe" "p['libcuda']['error']"))" \
    [ "$(probe_field "$probe" "p['libcuda']['loaded']")" = False ]
  check "cudart loads" check_library "$image" "$probe" cudart loaded
  case "$f" in
    base)
      check "cuBLAS ($(soname cublas)) fails with the loader's message" check_library "$image" "$probe" cublas absent
      check "NCCL fails with the loader's message" check_library "$image" "$probe" nccl absent
      check "cuDNN fails with the loader's message" check_library "$image" "$probe" cudnn absent
      ev=$(workload_evidence "$probe" gemm); echo "      gemm: $ev"
      check "the gemm plugin is unavailable for want of cuBLAS" bash -c '[[ "$1" == *libcublas*"cannot open shared object file"* || "$1" == *"not installed"* ]]' _ "$ev"
      ;;
    runtime|devel)
      for k in cublas cublasLt cufft curand cusolver cusparse nccl; do
        check "$k ($(soname "$k")) loads" check_library "$image" "$probe" "$k" loaded
      done
      check "cuDNN fails with the loader's message" check_library "$image" "$probe" cudnn absent
      ev=$(workload_evidence "$probe" gemm); echo "      gemm: $ev"
      check "the gemm plugin finds cuBLAS" bash -c '[[ "$1" != *"cannot open shared object file"* ]]' _ "$ev"
      ev=$(workload_evidence "$probe" nccl); echo "      nccl: $ev"
      check "the nccl plugin finds NCCL" bash -c '[[ "$1" != *"cannot open shared object file"* ]]' _ "$ev"
      ;;
    runtime-cudnn)
      # cuDNN's keys of this major: cudnn_graph, _heuristic, engines_* (9), or the _infer/_train split (8, CUDA 11).
      for k in cublas nccl $(awk '$1 ~ /^cudnn/ {print $1}' "$tmp/sonames"); do
        check "$k ($(soname "$k")) loads" check_library "$image" "$probe" "$k" loaded
      done
      ev=$(workload_evidence "$probe" conv); echo "      conv: $ev"
      check "the conv plugin finds cuDNN" bash -c '[[ "$1" != *"cannot open shared object file"* ]]' _ "$ev"
      ;;
  esac
  if [ "$f" = devel ]; then
    printf '#include <cstdio>\n#include <cuda_runtime.h>\nint main() { int v = 0; cudaRuntimeGetVersion(&v); std::printf("%%d\\n", v); }\n' >"$tmp/v.cu"
    check "nvcc in devel compiles and links a CUDA program" \
      bash -c 'podman --runtime runc run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 -v "$1:/src:ro" "$2" sh -c "nvcc -o /tmp/v /src/v.cu && /tmp/v"' _ "$tmp" "$image"
  fi
done

# The worker per image: gpucert (of another major) picks the image's major's worker, found beside its own
# (build/cuda<major>/); with only its own worker, it refuses the image before starting anything.
if [ -n "$gpucert" ]; then
  base_image=$(podman images --format '{{.Repository}}:{{.Tag}}' | grep -E "^$repo:[0-9.]+-base-" | head -n1 || true)
  echo "== worker choice: $gpucert doctor --image $base_image"
  out=$("$gpucert" doctor --image "$base_image" --runtime podman --timeout 60 2>&1 || true)
  echo "$out" | sed -n '1,3p' | sed 's/^/      /'
  check "gpucert picks the CUDA $major worker ($bin/gpucert-worker) for a CUDA $major image" \
    bash -c '[[ "$1" == *"worker:"*"the CUDA $2 worker $3"* ]]' _ "$out" "$major" "$bin/gpucert-worker"
  mkdir -p "$tmp/alone/bin"
  ln -s "$(dirname "$gpucert")/gpucert-worker" "$tmp/alone/bin/gpucert-worker"
  code=0
  out=$(GPUCERT_WORKER="$tmp/alone/bin/gpucert-worker" GPUCERT_WORKERS= "$gpucert" doctor --image "$base_image" --runtime podman \
        --timeout 60 2>&1) || code=$?
  echo "$out" | sed -n '1,3p' | sed 's/^/      /'
  check "without a CUDA $major worker, gpucert refuses its own worker in the CUDA $major image (exit $code)" \
    bash -c '[ "$1" = 1 ] && [[ "$2" == *"refused: the worker was built with CUDA "*" and links libcudart.so."*", so it cannot run in "*", a CUDA $3."*" image: build a CUDA $3 worker"* ]]' \
    _ "$code" "$out" "$major"
fi

[ "$failures" = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed in $(($(date +%s) - start)) s"
