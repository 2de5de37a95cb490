#!/usr/bin/env python3
"""The parts of images/build-local that read JSON, walk file trees and parse ELF files.

Not meant to be run by hand: images/build-local calls it with one subcommand per step. Standard library only
(air-gapped GPU hosts often have python3 and nothing else that can be installed).

  plan FLAVORS_JSON FLAVOR MAJOR             the flavor's inheritance chain, one name a line
  require-cuda FLAVORS_JSON MAJOR MINOR      NVIDIA_REQUIRE_CUDA as NVIDIA writes it
  soname FLAVORS_JSON MAJOR KEY              the soname of a library key in that CUDA major
  assemble ...                               copy one flavor's own libraries (and what they need) into a rootfs
  devel ...                                  copy nvcc, headers, static libraries, the libcuda stub
  worker ...                                 copy gpucert-worker, its plugins and their non-CUDA libraries
  host-files PACKAGE...                      files of these installed dpkg packages and what they depend on
  delta PARENT CHILD LIST                    paths new or changed in CHILD, NUL-separated, for a layer tar
  verify ...                                 check a flavor's rootfs against flavors.json
  oci-image / image-config ...               an image in an OCI layout (for podman), or a bundle's image config
"""
import argparse
import fnmatch
import json
import mmap
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
from datetime import datetime, timezone

# NVIDIA's CUDA repository packages NCCL and cuDNN into the system library folder, not the toolkit's.
SYSTEM_LIBRARY_KEYS = ("nccl", "cudnn")
BRANDS = ("unknown", "grid", "tesla", "nvidia", "quadro", "quadrortx", "nvidiartx", "vapps", "vpc", "vcs", "vws",
          "cloudgaming")


def die(message):
    print(f"build-local: {message}", file=sys.stderr)
    sys.exit(1)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        die(f"cannot read {path}: {e}")


def chain(doc, flavor):
    names = []
    while flavor:
        spec = doc["flavors"].get(flavor)
        if spec is None:
            die(f"flavor '{flavor}' is not in flavors.json (known: {', '.join(doc['flavors'])})")
        if flavor in names:
            die(f"flavors.json: '{flavor}' inherits from itself")
        names.append(flavor)
        flavor = spec.get("inherits")
    return list(reversed(names))


def resolved(doc, flavor, major=None):
    """The flavor with its parents' lists merged in (the rules of images/README.md); for a MAJOR, without the
    keys that major lacks (listed under not_in_major)."""
    r = {"must_load": [], "must_be_absent": [], "also_copies": [], "tools": [], "environment": {}, "labels": {}}
    for name in chain(doc, flavor):
        spec = doc["flavors"][name]
        for key in ("must_load", "must_be_absent", "also_copies", "tools"):
            r[key] += [x for x in spec.get(key, []) if x not in r[key]]
        r["environment"].update(spec.get("environment", {}))
        r["labels"].update(spec.get("labels", {}))
    r["must_be_absent"] = [k for k in r["must_be_absent"] if k not in r["must_load"]]
    gone = lacks(doc, major) if major is not None else set()
    r["not_in_major"] = [k for k in r["must_load"] + r["must_be_absent"] + r["also_copies"] if k in gone]
    for key in ("must_load", "must_be_absent", "also_copies"):
        r[key] = [k for k in r[key] if k not in gone]
    r["size_budget_bytes"] = next(doc["flavors"][n]["size_budget_bytes"] for n in reversed(chain(doc, flavor))
                                  if doc["flavors"][n].get("size_budget_bytes") is not None)
    return r


def libraries(doc, major):
    m = doc["cuda_majors"].get(str(major))
    if m is None:
        die(f"flavors.json knows CUDA majors {', '.join(doc['cuda_majors'])}, not {major}")
    return m["libraries"]


def lacks(doc, major):
    """Keys other majors declare that MAJOR has no library for (cuDNN 9's cudnn_graph in CUDA 11)."""
    return set(doc["cuda_majors"].get(str(major), {}).get("lacks", []))


def expand(pattern, doc, major):
    """{major} and {so_version:KEY} (what follows ".so." in KEY's soname) of a flavors.json pattern."""
    libs = doc["cuda_majors"].get(str(major), {}).get("libraries", {})
    pattern = re.sub(r"\{so_version:([A-Za-z0-9_]+)\}",
                     lambda m: libs.get(m.group(1), "").partition(".so.")[2] or m.group(0), pattern)
    return pattern.replace("{major}", str(major))


# ---------------------------------------------------------------- ELF

def elf_needed(path):
    """DT_NEEDED of a 64-bit little-endian ELF file, or None when it is not one."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size < 64:
                return None
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError:
        return None
    try:
        if m[:4] != b"\x7fELF" or m[4] != 2 or m[5] != 1:
            return None
        phoff, = struct.unpack_from("<Q", m, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", m, 0x36)
        loads, dyn = [], None
        for i in range(phnum):
            p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from("<IIQQQQQQ", m, phoff + i * phentsize)
            if p_type == 1:
                loads.append((p_vaddr, p_offset, p_filesz))
            elif p_type == 2:
                dyn = (p_offset, p_filesz)
        if dyn is None:
            return []
        needed, strtab = [], None
        for off in range(dyn[0], dyn[0] + dyn[1], 16):
            tag, val = struct.unpack_from("<qQ", m, off)
            if tag == 0:
                break
            if tag == 1:
                needed.append(val)
            elif tag == 5:
                strtab = val
        base = None
        for va, o, sz in loads:
            if strtab is not None and va <= strtab < va + sz:
                base = strtab - va + o
        if base is None:
            return []
        return [m[base + n:m.find(b"\0", base + n)].decode() for n in needed]
    finally:
        m.close()


# ---------------------------------------------------------------- paths inside a root filesystem

def inside(root, path, follow_last=True):
    """ROOT + PATH with every symbolic link resolved inside ROOT, as a process chrooted there would see it."""
    parts = [p for p in path.split("/") if p]
    real = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            real = real[:-1]
            continue
        if part == ".":
            continue
        candidate = os.path.join(root, *real, part)
        if os.path.islink(candidate) and (parts or follow_last):
            hops += 1
            if hops > 40:
                return candidate
            target = os.readlink(candidate)
            if target.startswith("/"):
                real = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        real.append(part)
    return os.path.join(root, *real)


def lib_dirs(root, triplet, cuda_target):
    """The folders the loader of the image searches (ld.so.conf as build-local writes it, and the defaults)."""
    dirs = [f"/lib/{triplet}", f"/usr/lib/{triplet}", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib",
            f"/usr/local/cuda/targets/{cuda_target}/lib", "/usr/local/cuda/lib64"]
    return [inside(root, d) for d in dirs]


def find_in(dirs, pattern):
    """The shortest name matching PATTERN in the first folder that has one (a soname before its real file)."""
    for d in dirs:
        try:
            names = sorted((n for n in os.listdir(d) if fnmatch.fnmatchcase(n, pattern)), key=lambda n: (len(n), n))
        except OSError:
            continue
        for n in names:
            if os.path.exists(os.path.join(d, n)):
                return os.path.join(d, n)
    return None


def ldconfig_entries():
    arch = {"x86_64": "x86-64", "aarch64": "AArch64"}.get(os.uname().machine, "")
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    except OSError:
        out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    entries = []
    for line in out.splitlines()[1:]:
        m = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if m and arch in m.group(2):
            entries.append((m.group(1), m.group(3)))
    return entries


class HostLibraries:
    def __init__(self, dirs):
        self.dirs = dirs
        self.cache = ldconfig_entries()

    def find(self, pattern):
        found = find_in(self.dirs, pattern)
        if found:
            return found
        matches = sorted((n, p) for n, p in self.cache if fnmatch.fnmatchcase(n, pattern) and os.path.exists(p))
        return min(matches, key=lambda x: (len(x[0]), x[0]))[1] if matches else None


# ---------------------------------------------------------------- copying

class Copier:
    """Puts host files into a rootfs. mode 'link': hard links where possible (the tree is only read, by tar);
    mode 'copy': real copies (a bundle's rootfs, which a container may write to). Never writes into a file that
    exists: it is replaced, because in a layered build it may be a hard link shared with the parent flavor."""

    def __init__(self, root, mode):
        self.root, self.mode = root, mode

    def dest(self, path):
        d = inside(self.root, os.path.dirname(path))
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, os.path.basename(path))

    def file(self, src, path):
        dst = self.dest(path)
        if os.path.lexists(dst):
            if os.path.isdir(dst) and not os.path.islink(dst):
                shutil.rmtree(dst)
            else:
                os.unlink(dst)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
            return dst
        if self.mode == "link":
            try:
                os.link(src, dst)
                return dst
            except OSError:
                pass
        shutil.copy2(src, dst)
        return dst

    def symlink(self, target, path):
        dst = self.dest(path)
        if os.path.lexists(dst):
            os.unlink(dst)
        os.symlink(target, dst)

    def text(self, path, content):
        dst = self.dest(path)
        if os.path.lexists(dst):
            os.unlink(dst)
        with open(dst, "w") as f:
            f.write(content)

    def tree(self, src, path, skip=lambda rel: False):
        """Copies the folder SRC (its top-level link followed) to PATH, links inside kept as links."""
        src = os.path.realpath(src)
        for dirpath, dirnames, filenames in os.walk(src):
            rel = os.path.relpath(dirpath, src)
            if rel != "." and skip(rel):
                dirnames[:] = []
                continue
            target_dir = os.path.normpath(os.path.join(path, rel))
            os.makedirs(inside(self.root, target_dir), exist_ok=True)
            for name in dirnames[:]:
                full = os.path.join(dirpath, name)
                if os.path.islink(full):
                    self.file(full, os.path.join(target_dir, name))
                    dirnames.remove(name)
            for name in filenames:
                r = os.path.normpath(os.path.join(rel, name))
                if not skip(r):
                    self.file(os.path.join(dirpath, name), os.path.join(target_dir, name))


def cuda_layout(a):
    version_dir = f"/usr/local/cuda-{a.cuda_major}.{a.cuda_minor}"
    return version_dir, f"{version_dir}/targets/{a.cuda_target}/lib"


def install_library(copier, host_path, dest_dir):
    """The real file under its real name and the name that was asked for as a link to it, as the packages do."""
    real = os.path.realpath(host_path)
    copier.file(real, f"{dest_dir}/{os.path.basename(real)}")
    if os.path.basename(host_path) != os.path.basename(real):
        copier.symlink(os.path.basename(real), f"{dest_dir}/{os.path.basename(host_path)}")
    return real


def cmd_assemble(a):
    doc = load(a.flavors)
    libs = libraries(doc, a.cuda_major)
    spec = doc["flavors"][a.flavor]
    full = resolved(doc, a.flavor)
    forbidden = {libs[k]: k for k in full["must_be_absent"] + doc.get("never_shipped", []) if k in libs}
    host = HostLibraries(a.lib_dir)
    copier = Copier(a.root, a.mode)
    version_dir, cuda_lib = cuda_layout(a)
    system_lib = f"/usr/lib/{a.triplet}"
    cuda_real = os.path.realpath(a.cuda)

    if spec.get("inherits") is None:
        # The toolkit's folder layout, the loader configuration and nothing else: as NVIDIA's base image.
        os.makedirs(inside(a.root, cuda_lib), exist_ok=True)
        copier.symlink("targets/" + a.cuda_target + "/lib", f"{version_dir}/lib64")
        copier.symlink(os.path.basename(version_dir), f"/usr/local/cuda-{a.cuda_major}")
        copier.symlink(os.path.basename(version_dir), "/usr/local/cuda")
        os.makedirs(inside(a.root, f"{version_dir}/bin"), exist_ok=True)
        copier.text("/etc/ld.so.conf.d/nvidia.conf", "/usr/local/nvidia/lib\n/usr/local/nvidia/lib64\n")
        copier.text(f"/etc/ld.so.conf.d/988_cuda-{a.cuda_major}.conf", f"/usr/local/cuda/targets/{a.cuda_target}/lib\n")
        if not os.path.exists(inside(a.root, "/etc/ld.so.conf")):
            copier.text("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n")

    gone = lacks(doc, a.cuda_major)
    wanted = [(k, True) for k in spec.get("must_load", []) if k not in gone] + \
             [(k, False) for k in spec.get("also_copies", []) if k not in gone]
    skipped = [k for k in spec.get("must_load", []) + spec.get("also_copies", []) if k in gone]
    if skipped:
        print(f"build-local: {a.flavor}: not part of CUDA {a.cuda_major}: {', '.join(skipped)}", file=sys.stderr)
    queue = []
    for key, required in wanted:
        if key not in libs:
            die(f"flavors.json: library key '{key}' of flavor {a.flavor} has no soname for CUDA {a.cuda_major}")
        path = host.find(libs[key])
        if path is None:
            if required:
                die(f"{libs[key]} ({key}, required by the {a.flavor} flavor) is not in {', '.join(a.lib_dir)} "
                    f"nor in the loader cache (ldconfig -p); install it or name its folder with --lib-dir")
            print(f"build-local: {a.flavor}: {libs[key]} ({key}) not found on this host, left out (optional)",
                  file=sys.stderr)
            continue
        dest = system_lib if key.startswith(SYSTEM_LIBRARY_KEYS) else cuda_lib
        queue.append((install_library(copier, path, dest), key))

    # Whatever those libraries need that the rootfs lacks: from the toolkit, or the host's loader cache.
    search = lib_dirs(a.root, a.triplet, a.cuda_target)
    seen = set()
    while queue:
        real, why = queue.pop()
        for needed in elf_needed(real) or []:
            if needed in seen or find_in(search, needed):
                continue
            seen.add(needed)
            if needed in forbidden:
                die(f"{os.path.basename(real)} ({why}) needs {needed}, which the {a.flavor} flavor must not contain")
            path = host.find(needed)
            if path is None:
                die(f"{os.path.basename(real)} ({why}) needs {needed}, found neither in the rootfs nor on this host")
            under_cuda = os.path.realpath(path).startswith(cuda_real + os.sep)
            dest = cuda_lib if under_cuda else system_lib
            print(f"build-local: {a.flavor}: {needed} (needed by {os.path.basename(real)}) from {path}",
                  file=sys.stderr)
            queue.append((install_library(copier, path, dest), why))


def cmd_devel(a):
    """nvcc and the files NVIDIA's devel image adds: cuda-minimal-build, the -dev packages, libnccl-dev."""
    doc = load(a.flavors)
    libs = libraries(doc, a.cuda_major)
    copier = Copier(a.root, a.mode)
    version_dir, cuda_lib = cuda_layout(a)
    cuda = os.path.realpath(a.cuda)
    if not os.path.exists(os.path.join(cuda, "bin", "nvcc")):
        die(f"devel: {a.cuda}/bin/nvcc is missing")
    copier.tree(os.path.join(cuda, "bin"), f"{version_dir}/bin")
    if os.path.isdir(os.path.join(cuda, "nvvm")):
        copier.tree(os.path.join(cuda, "nvvm"), f"{version_dir}/nvvm")
    copier.tree(os.path.join(cuda, "include"), f"{version_dir}/targets/{a.cuda_target}/include")
    copier.symlink(f"targets/{a.cuda_target}/include", f"{version_dir}/include")
    # nvcc.profile finds its include and lib folders relative to bin; keep the target folder the toolkit names.
    host_lib = os.path.realpath(os.path.join(cuda, "lib64")) if os.path.isdir(os.path.join(cuda, "lib64")) else None
    if host_lib:
        for name in sorted(os.listdir(host_lib)):
            full = os.path.join(host_lib, name)
            if name.endswith(".a") and not name.startswith("libcudnn"):
                copier.file(full, f"{cuda_lib}/{name}")
        for sub in ("stubs", "cmake"):
            if os.path.isdir(os.path.join(host_lib, sub)):
                copier.tree(os.path.join(host_lib, sub), f"{cuda_lib}/{sub}",
                            skip=lambda rel: fnmatch.fnmatchcase(os.path.basename(rel), "libcuda.so.*"))
    # Development links (libcublas.so -> libcublas.so.13) for every library the image holds, as -dev packages do.
    r = resolved(doc, a.flavor, a.cuda_major)
    for key in r["must_load"] + r["also_copies"]:
        pattern = libs.get(key, "")
        for d in (cuda_lib, f"/usr/lib/{a.triplet}"):
            found = find_in([inside(a.root, d)], pattern)
            if found and ".so." in os.path.basename(found):
                dev = os.path.basename(found).split(".so.")[0] + ".so"
                if not os.path.lexists(os.path.join(inside(a.root, d), dev)):
                    copier.symlink(os.path.basename(found), f"{d}/{dev}")
                break
    # nccl.h, as libnccl-dev puts it (the toolkit's include folder may already hold it).
    if not os.path.exists(os.path.join(cuda, "include", "nccl.h")):
        for candidate in ("/usr/include/nccl.h", "/usr/local/include/nccl.h"):
            if os.path.exists(candidate):
                copier.file(candidate, "/usr/include/nccl.h")
                break


def cmd_worker(a):
    doc = load(a.flavors)
    cuda_sonames = set()
    for m in doc["cuda_majors"].values():
        cuda_sonames.update(m["libraries"].values())
    copier = Copier(a.root, a.mode)
    worker = os.path.join(a.bin_dir, "gpucert-worker")
    if not os.access(worker, os.X_OK):
        die(f"--with-worker: {worker} is missing (build it: cmake --build BUILD --target gpucert-worker)")
    files = [worker] + sorted(os.path.join(a.bin_dir, n) for n in os.listdir(a.bin_dir)
                              if n.startswith("libgpucert-") and n.endswith(".so"))
    host = HostLibraries([a.bin_dir])
    search = lib_dirs(a.root, a.triplet, a.cuda_target)
    queue = []
    for f in files:
        queue.append(copier.file(os.path.realpath(f), f"/opt/gpucert/bin/{os.path.basename(f)}"))
        print(f"build-local: worker: {os.path.basename(f)} -> /opt/gpucert/bin", file=sys.stderr)
    seen = set()
    while queue:
        real = queue.pop()
        for needed in elf_needed(real) or []:
            # CUDA libraries are the flavor's business: a plugin whose library is absent must fail to load.
            if needed in seen or any(fnmatch.fnmatchcase(needed, p) for p in cuda_sonames):
                continue
            seen.add(needed)
            if find_in(search, needed):
                continue
            path = host.find(needed)
            if path is None:
                die(f"worker: {needed} (needed by {os.path.basename(real)}) is not on this host")
            print(f"build-local: worker: {needed} from {path} -> /usr/local/lib", file=sys.stderr)
            queue.append(install_library(copier, path, "/usr/local/lib"))


# ---------------------------------------------------------------- host rootfs from dpkg

def cmd_host_files(a):
    """Files of the given installed packages and of their Depends/Pre-Depends, relative to /, one a line."""
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${db:Status-Abbrev}\t${Provides}\t${Depends}\t"
                          "${Pre-Depends}\n"], capture_output=True, text=True, check=True).stdout
    installed, provides, depends = set(), {}, {}
    for line in out.splitlines():
        name, status, prov, dep, pre = (line.split("\t") + [""] * 5)[:5]
        if not status.startswith("ii"):
            continue
        installed.add(name)
        depends[name] = ", ".join(x for x in (dep, pre) if x)
        for p in prov.split(","):
            p = p.strip().split(" ")[0]
            if p:
                provides.setdefault(p, name)
    skip = set(a.skip or [])

    def pick(alternatives):
        for alt in alternatives.split("|"):
            n = alt.strip().split(" ")[0].split(":")[0]
            if n in installed:
                return n
            if n in provides:
                return provides[n]
        return None

    todo = []
    for p in a.packages:
        if p not in installed:
            die(f"--rootfs host: the package {p} is not installed on this host (dpkg -s {p})")
        todo.append(p)
    chosen = set()
    while todo:
        p = todo.pop()
        if p in chosen or p in skip:
            continue
        chosen.add(p)
        for group in filter(None, (g.strip() for g in depends.get(p, "").split(","))):
            n = pick(group)
            if n and n not in chosen:
                todo.append(n)
    print("build-local: host rootfs packages: " + " ".join(sorted(chosen)), file=sys.stderr)
    excluded = ("/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/usr/share/locale/", "/usr/share/lintian/",
                "/usr/share/bug/", "/usr/share/bash-completion/", "/usr/share/zsh/")
    listed = subprocess.run(["dpkg-query", "-L"] + sorted(chosen), capture_output=True, text=True).stdout
    paths = set()
    for path in listed.splitlines():
        if not path.startswith("/") or path.startswith(excluded) or path == "/.":
            continue
        if os.path.lexists(path) and not (os.path.isdir(path) and not os.path.islink(path)):
            paths.add(path.lstrip("/"))
    sys.stdout.write("".join(p + "\n" for p in sorted(paths)))


# ---------------------------------------------------------------- layers, checks, image metadata

def tree_stats(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            link = os.readlink(full) if stat.S_ISLNK(st.st_mode) else None
            out[os.path.relpath(full, root)] = (st.st_mode, st.st_uid, st.st_gid, st.st_size,
                                                None if stat.S_ISDIR(st.st_mode) else st.st_mtime_ns, link)
    return out


def cmd_delta(a):
    parent, child = tree_stats(a.parent), tree_stats(a.child)
    changed = [p for p, s in child.items() if parent.get(p) != s]
    gone = [p for p in parent if p not in child]
    if gone:
        print(f"build-local: {len(gone)} path(s) of the parent are not in the child and stay in the image "
              f"(a layer added with ADD cannot remove files), e.g. {gone[0]}", file=sys.stderr)
    with open(a.list, "wb") as f:
        for p in sorted(changed):
            f.write(os.fsencode(p) + b"\0")
    print(len(changed))


def tree_size(root):
    seen, total = set(), 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total


def cmd_verify(a):
    doc = load(a.flavors)
    libs = libraries(doc, a.cuda_major)
    r = resolved(doc, a.flavor, a.cuda_major)
    problems = []
    search = lib_dirs(a.root, a.triplet, a.cuda_target)
    for key in r["must_load"]:
        if not find_in(search, libs[key]):
            problems.append(f"{libs[key]} ({key}) must be in the image and is not on the loader's path")
    banned = [(libs[k], k) for k in r["must_be_absent"] + doc.get("never_shipped", []) if k in libs]
    for dirpath, dirnames, filenames in os.walk(a.root):
        for name in filenames:
            for pattern, key in banned:
                if fnmatch.fnmatchcase(name, pattern):
                    problems.append(f"{os.path.relpath(os.path.join(dirpath, name), a.root)} ({key}) must not be in "
                                    f"the {a.flavor} flavor")
    for tool in r["tools"]:
        if not os.path.exists(inside(a.root, tool["path"])):
            problems.append(f"{tool['name']} ({tool['path']}) is missing")
    env = dict(kv.split("=", 1) for kv in a.env)
    for name, pattern in r["environment"].items():
        want = expand(pattern, doc, a.cuda_major)
        if name not in env or not fnmatch.fnmatchcase(env[name], want):
            problems.append(f"ENV {name}={env.get(name, '(unset)')} does not match '{want}'")
    for p in problems:
        print(f"build-local: {a.flavor}: {p}", file=sys.stderr)
    size = tree_size(a.root)
    if size > r["size_budget_bytes"]:
        print(f"build-local: {a.flavor}: warning: {size} bytes, over the budget of {r['size_budget_bytes']} "
              f"(flavors.json)", file=sys.stderr)
    print(size)
    sys.exit(1 if problems else 0)


def cmd_require_cuda(a):
    doc = load(a.flavors)
    m = doc["cuda_majors"].get(str(a.major), {})
    branches = [(b, BRANDS) for b in m.get("require_cuda_driver_branches", [])]
    branches += [(b, ("tesla",)) for b in m.get("require_cuda_tesla_driver_branches", [])]
    parts = [f"cuda>={a.major}.{a.minor}"]
    for b, brands in sorted(branches):
        parts += [f"brand={brand},driver>={b},driver<{b + 1}" for brand in brands]
    print(" ".join(parts))


def read_kv(items):
    out = {}
    for kv in items or []:
        k, _, v = kv.partition("=")
        out[k] = v
    return out


def cmd_image_config(a):
    env = read_kv(a.env)
    config = {
        "$comment": "OCI image configuration of a local gpucert flavor (images/build-local): gpucert's oci runtime "
                    "takes Env from here and writes the bundle's config.json itself.",
        "name": a.name,
        "flavor": a.flavor,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "architecture": a.arch,
        "os": "linux",
        "config": {"Env": [f"{k}={v}" for k, v in env.items()], "Labels": read_kv(a.label), "Cmd": ["/bin/sh"],
                   "WorkingDir": "/"},
        "rootfs_path": "rootfs",
        "size_bytes": int(a.size),
    }
    with open(a.output, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def sha256_file(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def cmd_oci_image(a):
    """Adds one image to an OCI image layout (podman pull oci:LAYOUT:REF reads it): the layer tars, moved into
    the layout's blobs once (a flavor's parents' layers are shared), an image config with the ENV and LABELs,
    a manifest, an index entry named REF."""
    blobs = os.path.join(a.layout, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    known_path = os.path.join(a.layout, "gpucert-layers.json")
    known = load(known_path) if os.path.exists(known_path) else {}
    layers = []
    for tar in a.layer:
        key = os.path.abspath(tar)
        if key not in known:
            digest = sha256_file(tar)
            os.replace(tar, os.path.join(blobs, digest.split(":")[1]))
            known[key] = {"digest": digest, "size": os.path.getsize(os.path.join(blobs, digest.split(":")[1]))}
        layers.append(known[key])
    with open(known_path, "w") as f:
        json.dump(known, f)

    def blob(obj):
        data = json.dumps(obj, separators=(",", ":")).encode()
        import hashlib
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, digest.split(":")[1]), "wb") as f:
            f.write(data)
        return {"digest": digest, "size": len(data)}

    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = blob({
        "created": created, "architecture": a.arch, "os": "linux",
        "config": {"Env": [f"{k}={v}" for k, v in read_kv(a.env).items()], "Labels": read_kv(a.label),
                   "Cmd": ["/bin/sh"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]},
        "history": [{"created": created, "created_by": f"images/build-local: {os.path.basename(t)}"} for t in a.layer],
    })
    manifest = blob({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **l} for l in layers],
    })
    index_path = os.path.join(a.layout, "index.json")
    index = load(index_path) if os.path.exists(index_path) else {"schemaVersion": 2, "manifests": []}
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != a.ref]
    index["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest,
                               "annotations": {"org.opencontainers.image.ref.name": a.ref}})
    with open(index_path, "w") as f:
        json.dump(index, f)
    with open(os.path.join(a.layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("plan")
    p.add_argument("flavors"); p.add_argument("flavor")
    p.set_defaults(fn=lambda a: print("\n".join(chain(load(a.flavors), a.flavor))))

    p = sub.add_parser("soname")
    p.add_argument("flavors"); p.add_argument("major", type=int); p.add_argument("key")
    p.set_defaults(fn=lambda a: print(libraries(load(a.flavors), a.major).get(a.key) or
                                      die(f"flavors.json: CUDA {a.major} has no library '{a.key}'")))

    p = sub.add_parser("require-cuda")
    p.add_argument("flavors"); p.add_argument("major", type=int); p.add_argument("minor", type=int)
    p.set_defaults(fn=cmd_require_cuda)

    def common(p):
        p.add_argument("--flavors", required=True); p.add_argument("--flavor", required=True)
        p.add_argument("--root", required=True); p.add_argument("--cuda-major", type=int, required=True)
        p.add_argument("--cuda-minor", type=int, default=0); p.add_argument("--cuda", default="/usr/local/cuda")
        p.add_argument("--triplet", required=True); p.add_argument("--cuda-target", required=True)
        p.add_argument("--mode", choices=["link", "copy"], default="copy")

    for name, fn in (("assemble", cmd_assemble), ("devel", cmd_devel), ("worker", cmd_worker)):
        p = sub.add_parser(name)
        common(p)
        p.add_argument("--lib-dir", action="append", default=[])
        p.add_argument("--bin-dir")
        p.set_defaults(fn=fn)

    p = sub.add_parser("verify")
    common(p)
    p.add_argument("--env", action="append", default=[])
    p.set_defaults(fn=cmd_verify)

    p = sub.add_parser("host-files")
    p.add_argument("packages", nargs="+"); p.add_argument("--skip", action="append")
    p.set_defaults(fn=cmd_host_files)

    p = sub.add_parser("delta")
    p.add_argument("parent"); p.add_argument("child"); p.add_argument("list")
    p.set_defaults(fn=cmd_delta)

    p = sub.add_parser("oci-image")
    for k in ("layout", "ref", "arch"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--layer", action="append", required=True)
    p.add_argument("--env", action="append"); p.add_argument("--label", action="append")
    p.set_defaults(fn=cmd_oci_image)

    p = sub.add_parser("image-config")
    for k in ("output", "name", "flavor", "arch", "size"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--env", action="append"); p.add_argument("--label", action="append")
    p.set_defaults(fn=cmd_image_config)

    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
