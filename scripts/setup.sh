#!/usr/bin/env bash
# `npm run setup`: from a fresh Debian 12 machine to a built project and a ready lab VM.
# Idempotent: a second run installs nothing, builds incrementally and reuses the lab's cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Why each: clang/llvm compile bpf/; libbpf-dev, libmnl-dev (the inventory's rtnetlink), libelf-dev,
# zlib1g-dev, pkg-config, make, g++ and python3 build native/ (node-gyp); bpftool drives BPF_PROG_TEST_RUN in tests; iproute2,
# iputils-ping and procps are what the agent and the lab run; kmod's depmod indexes the lab
# kernel's modules; qemu-system-x86, busybox-static and cpio boot the lab; prometheus brings
# the server and promtool that check the dashboards and rules; openssl makes the TLS tests' certificates;
# debhelper (with dpkg-dev) builds the .deb, lintian checks it, mmdebstrap makes the clean Debian
# root it is installed in, systemd-container's nspawn boots that root to run the unit as systemd
# does, podman (with runc: crun refuses this host's hybrid cgroups) runs its image.
packages=(
  clang llvm libbpf-dev libmnl-dev libelf-dev zlib1g-dev pkg-config make g++ python3
  bpftool iproute2 iputils-ping procps kmod
  qemu-system-x86 busybox-static cpio
  prometheus openssl
  debhelper lintian mmdebstrap systemd-container podman runc
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  if ((EUID != 0)); then
    echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    echo "setup: run 'sudo npm run setup'" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the lockfile changed since the last install: it starts from scratch each time.
stamp=node_modules/.setup-package-lock.json
if [[ ! -f $stamp ]] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-fund --no-audit
  cp package-lock.json "$stamp"
fi

npm run build
npm run lab:prepare
