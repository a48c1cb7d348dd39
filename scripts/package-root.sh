#!/usr/bin/env bash
# The second half of `npm run package`: a minimal Debian 12 root made by mmdebstrap from this
# machine's apt sources, with the .deb installed into it by apt (build/package/root/, what the
# package tests boot), and the container image made from that same root, saved with
# `podman save` to build/package/vrf-agent_<version>_image.tar.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
deb=$1
version=$(node_modules/.bin/node -p 'require("./package.json").version')
out=build/package
root=$out/root

# The machine's own sources, so the root comes from the mirror it is allowed to reach.
sources=()
for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [[ -s $file ]] && sources+=("$file")
done
# systemd is in the root so the package tests can run the unit as systemd does; apt installs the
# package with its dependencies, exactly as `apt install ./vrf-agent_….deb` on a router would.
rm -rf "$root"
mmdebstrap --quiet --variant=apt --include=systemd,dbus \
  --customize-hook="upload $deb /tmp/vrf-agent.deb" \
  --customize-hook='chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/vrf-agent.deb >/dev/null' \
  --customize-hook='rm "$1/tmp/vrf-agent.deb"' \
  bookworm "$root" "${sources[@]}"

image=localhost/vrf-agent:$version
archive=$out/vrf-agent_${version}_image.tar
rm -f "$archive"
# Run as root with only the agent's capabilities (deploy/kubernetes grants them): the host's bpffs
# is root's, and a container's root needs no CAP_DAC_READ_SEARCH to reach it.
tar -C "$root" -c . | podman import --quiet \
  --change 'ENTRYPOINT ["/usr/bin/vrf-agent"]' \
  --change "LABEL org.opencontainers.image.version=$version" \
  - "$image" >/dev/null
podman save --quiet --format oci-archive -o "$archive" "$image"
# The archive is the product; the local image store is left as it was found.
podman rmi --force "$image" >/dev/null
