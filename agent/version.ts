/**
 * The agent's version (package.json) and build details (build/build-info.json, written by
 * `npm run build`), for `--version`, the startup line, vrf_agent_build_info and the landing page.
 */
import { readFileSync } from "node:fs";
import { buildInfoPath, packageJsonPath } from "./artifacts.js";

export const version = (JSON.parse(readFileSync(packageJsonPath, "utf8")) as { version: string }).version;

export interface BuildInfo {
  revision: string;
  branch: string;
  user: string;
  date: string;
}

const unknownBuild: BuildInfo = { revision: "unknown", branch: "unknown", user: "unknown", date: "unknown" };

function readBuildInfo(): BuildInfo {
  try {
    return { ...unknownBuild, ...(JSON.parse(readFileSync(buildInfoPath, "utf8")) as Partial<BuildInfo>) };
  } catch {
    // Running from source that was never built (vitest on a fresh checkout): nothing to say.
    return unknownBuild;
  }
}

export const buildInfo = readBuildInfo();

/** Go's GOARCH names, which node_exporter's platform line uses. */
const goArch: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "386" };

/** The `--version` text, laid out as node_exporter prints its own. */
export function versionText(name: string): string {
  return [
    `${name}, version ${version} (branch: ${buildInfo.branch}, revision: ${buildInfo.revision})`,
    `  build user:       ${buildInfo.user}`,
    `  build date:       ${buildInfo.date}`,
    `  node version:     ${process.version}`,
    `  platform:         ${process.platform}/${goArch[process.arch] ?? process.arch}`,
    "",
  ].join("\n");
}
