#!/usr/bin/env bash
# `npm run build:info`: what `vrf-agent --version` reports beside the version, in the fields
# node_exporter prints (revision, branch, build user, build date), from the checkout being built.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
git_or_unknown() { git "$@" 2>/dev/null || echo unknown; }
revision=$(git_or_unknown rev-parse HEAD)
# A revision with uncommitted changes is not that revision: said as such.
if [[ $revision != unknown ]] && ! git diff --quiet HEAD 2>/dev/null; then revision="$revision-dirty"; fi
mkdir -p build
printf '{"revision":"%s","branch":"%s","user":"%s@%s","date":"%s"}\n' \
  "$revision" "$(git_or_unknown rev-parse --abbrev-ref HEAD)" "$(id -un)" "$(hostname)" \
  "$(date -u +%Y%m%d-%H:%M:%S)" >build/build-info.json
