#!/usr/bin/env bash
# `npm run package`: build/package/vrf-agent_<version>_amd64.deb from this checkout's build, made
# by debhelper from debian/ with the payload staged here, then the Debian root and the container
# image made with it (scripts/package-root.sh); prints the package's path last.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

out=build/package
mkdir -p "$out"
# The build's own chatter (node-gyp's) is kept for when it fails.
npm run build >"$out/npm-build.log" 2>&1 || {
  tail -30 "$out/npm-build.log" >&2
  echo "package: npm run build failed; the whole log is $out/npm-build.log" >&2
  exit 1
}
version=$(node_modules/.bin/node -p 'require("./package.json").version')
stage=$out/stage
rm -rf "$stage" && mkdir -p "$stage/payload"
cp -r debian "$stage/debian"
cp README.md "$stage/"
# The one version is package.json's; the changelog dpkg reads it from is written from it.
cat >"$stage/debian/changelog" <<CHANGELOG
vrf-agent ($version) unstable; urgency=medium

  * Built from $(node_modules/.bin/node -p 'require("./build/build-info.json").revision').

 -- $(sed -n 's/^Maintainer: //p' debian/control)  $(date -R)
CHANGELOG

# The payload keeps the checkout's relative paths, which agent/artifacts.ts knows.
payload=$stage/payload
mkdir -p "$payload/bin" "$payload/dist" "$payload/build/bpf" "$payload/native/build/Release"
cp package.json package-lock.json "$payload/"
cp node_modules/node/bin/node "$payload/bin/node"
cp -r dist/agent "$payload/dist/agent"
find "$payload/dist" -name '*.map' -delete
cp build/build-info.json "$payload/build/"
for family in traffic drops unreachable; do cp "build/bpf/$family.bpf.o" "$payload/build/bpf/"; done
cp native/build/Release/vrf_agent_native.node "$payload/native/build/Release/"
# The runtime's dependencies only, from the lockfile, with no install scripts (none needs one).
(cd "$payload" && npm ci --omit=dev --ignore-scripts --no-fund --no-audit --loglevel=error >/dev/null)
rm "$payload/package-lock.json"
# What the agent never loads: each dependency's own command-line programs (`bin`, whose
# `#!/usr/bin/env node` would name a node this package does not depend on), examples, tests,
# and npm's ignore files.
(cd "$payload" && "$root/node_modules/.bin/node" -e '
  const { globSync, readFileSync, rmSync } = require("node:fs");
  const { dirname, join } = require("node:path");
  for (const manifest of globSync("node_modules/{*,@*/*}/package.json")) {
    const { bin } = JSON.parse(readFileSync(manifest, "utf8"));
    for (const file of typeof bin === "string" ? [bin] : Object.values(bin ?? {}))
      rmSync(join(dirname(manifest), file), { force: true });
  }')
rm -rf "$payload/node_modules/.bin"
find "$payload/node_modules" \( -name examples -o -name test \) -type d -prune -exec rm -rf {} +
find "$payload/node_modules" -name .npmignore -delete

(cd "$stage" && dpkg-buildpackage -b -us -uc --no-check-builddeps >"$root/$out/dpkg-buildpackage.log" 2>&1) || {
  tail -30 "$out/dpkg-buildpackage.log" >&2
  echo "package: dpkg-buildpackage failed; the whole log is $out/dpkg-buildpackage.log" >&2
  exit 1
}
deb=$out/vrf-agent_${version}_amd64.deb
rm -f "$out"/*.buildinfo "$out"/*.changes
rm -rf "$stage"
bash scripts/package-root.sh "$deb"
echo "$root/$deb"
