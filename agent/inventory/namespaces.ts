/** The named network namespaces (`ip netns`), which the agent can inventory one by one. */
import { z } from "zod";
import { parseJsonText, parseShape } from "./errors.js";
import { execaRunner, type Runner } from "./run.js";

const source = "ip -j netns list";

const namespacesSchema = z.array(z.looseObject({ name: z.string() }));

/** Names as `ip netns list` gives them; it prints nothing at all when there are none. */
export async function listNamespaces(run: Runner = execaRunner): Promise<string[]> {
  const stdout = await run("ip", ["-j", "netns", "list"]);
  return parseShape(namespacesSchema, parseJsonText(stdout, source), source).map((entry) => entry.name);
}
