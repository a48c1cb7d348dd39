/** The named network namespaces (`ip netns`): the files under /run/netns, read without iproute2. */
import { readdir } from "node:fs/promises";
import { netnsDir } from "./watch.js";

/** Names in sorted order; none when the folder does not exist (no namespace was ever named). */
export async function listNamespaces(dir = netnsDir): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
