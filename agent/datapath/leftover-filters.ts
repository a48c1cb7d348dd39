/**
 * Legacy tc filters outlive the process that attached them (they hold no file descriptor), so a
 * crashed agent leaves its filters in place and a new one would count every packet twice. Ours
 * are known by their programs' names; nobody else's is touched.
 */
import { execa } from "execa";

export const ourPrograms: ReadonlySet<string> = new Set(["vrf_ingress", "vrf_egress"]);

interface TcFilter {
  kind?: string;
  pref?: number;
  options?: { handle?: string; prog?: { name?: string } };
}

/** Removes this agent's legacy filters from an interface; returns how many it removed. */
export async function removeLeftoverFilters(ifname: string, netns?: string): Promise<number> {
  const ns = netns ? ["-n", netns] : [];
  let removed = 0;
  for (const direction of ["ingress", "egress"]) {
    const shown = await execa("tc", [...ns, "-j", "filter", "show", "dev", ifname, direction], { reject: false });
    // No clsact on the device (or no device): nothing of ours can be there.
    if (shown.failed || shown.stdout.trim() === "") continue;
    for (const filter of JSON.parse(shown.stdout) as TcFilter[]) {
      const name = filter.options?.prog?.name;
      if (filter.kind !== "bpf" || name === undefined || !ourPrograms.has(name)) continue;
      const handle = filter.options?.handle ?? "";
      const args = ["filter", "delete", "dev", ifname, direction, "pref", String(filter.pref), "handle", handle, "bpf"];
      await execa("tc", [...ns, ...args]);
      removed++;
    }
  }
  return removed;
}
