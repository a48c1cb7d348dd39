/** Loads the C++ addon in native/, which is the agent's only way into libbpf. */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { projectRoot } from "./project-root.js";

export interface NativeAddon {
  /** "MAJOR.MINOR" of the libbpf shared object the addon is linked against. */
  libbpfVersion(): string;
}

const addonRelativePath = join("native", "build", "Release", "vrf_agent_native.node");

function isNativeAddon(value: unknown): value is NativeAddon {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { libbpfVersion?: unknown }).libbpfVersion === "function"
  );
}

export function loadNative(): NativeAddon {
  const addonPath = join(projectRoot, addonRelativePath);
  // Checked up front so a missing build gets an actionable message, not
  // require()'s generic "Cannot find module".
  if (!existsSync(addonPath)) {
    throw new Error(`native addon not built: run npm run build (missing ${addonPath})`);
  }
  const addon: unknown = createRequire(import.meta.url)(addonPath);
  // A stale .node from an older build could lack newer exports.
  if (!isNativeAddon(addon)) {
    throw new Error(`native addon at ${addonPath} does not export the expected API: run npm run build`);
  }
  return addon;
}
