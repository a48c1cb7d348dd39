/** The page at `/`: what a person who opens the agent's address in a browser needs to find the rest. */

export interface LandingPageInfo {
  name: string;
  version: string;
  telemetryPath: string;
}

export function landingPage({ name, version, telemetryPath }: LandingPageInfo): string {
  const title = escapeHtml(name);
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title></head>
<body>
<h1>${title}</h1>
<p>Per-VRF traffic, drops, unreachable-route hits and cross-VRF flows from eBPF, for Prometheus.</p>
<p>Version: ${escapeHtml(version)}</p>
<ul>
<li><a href="${escapeHtml(telemetryPath)}">Metrics</a></li>
<li><a href="/-/healthy">Health</a></li>
<li><a href="/-/ready">Readiness</a></li>
</ul>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  return text.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}
