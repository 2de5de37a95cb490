# Sourced by the container tests: make_rootfs ROOT builds a root filesystem holding the worker's libraries
# (CUDA's runtime included, as ldd resolves them here) and its loader; the worker itself is bind-mounted by
# the launcher. Needs $bin, the folder of gpucert-worker.
make_rootfs() {
  local root=$1
  mkdir -p "$root/usr/lib" "$root/usr/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev"
  ldd "$bin/gpucert-worker" | while read -r first arrow path _; do
    if [ "$arrow" = "=>" ] && [ -f "$path" ]; then cp -L "$path" "$root/usr/lib/"; fi
    if [ "${first#/}" != "$first" ] && [ -f "$first" ]; then mkdir -p "$root$(dirname "$first")"; cp -L "$first" "$root$first"; fi
  done
  echo "root:x:0:0:root:/:/nonexistent" >"$root/etc/passwd"
  echo "root:x:0:" >"$root/etc/group"
}
