/**
 * The optional agent config file (`--config.file`): what the flags cannot say briefly. Unknown keys
 * are errors, since a misspelt `expected_cross_vrf` would otherwise flag every expected flow as a leak.
 */
import { z } from "zod";
import type { TcMode } from "../datapath/datapath.js";
import { parseYaml, readConfigFile } from "./yaml-file.js";

/** One direction of cross-VRF traffic that is by design (a shared-services VRF, say), so not flagged. */
export interface CrossVrfPair {
  from: string;
  to: string;
}

export interface AgentConfig {
  expectedCrossVrf: CrossVrfPair[];
  /** Named network namespaces to inventory besides the agent's own. */
  namespaces: string[];
  hooks: {
    tc: TcMode;
    /** Count drops by kernel reason (the `drops` hook family). */
    drops: boolean;
    /** Count hits on unreachable, blackhole and prohibit routes (the `unreachable` hook family). */
    unreachable: boolean;
  };
}

// A Record, so the compiler checks this list against the datapath's TcMode in both directions.
const tcModeSet: Record<TcMode, true> = { auto: true, tcx: true, legacy: true };
const tcModes = Object.keys(tcModeSet) as [TcMode, ...TcMode[]];

// A VRF is a network device, so its name follows the kernel's rules for those (IFNAMSIZ is 16 with the NUL).
const deviceName = z
  .string()
  .regex(/^[^\s/:]{1,15}$/, "not a network device name (1 to 15 characters, no spaces, / or :)")
  .refine((name) => name !== "." && name !== "..", "not a network device name");

const netnsName = z
  .string()
  .refine((name) => name !== "" && name !== "." && name !== ".." && !name.includes("/"), "not a namespace name");

const schema = z.strictObject({
  expected_cross_vrf: z
    .array(
      z
        .strictObject({ from: deviceName, to: deviceName })
        .refine(
          (pair) => pair.from !== pair.to,
          "from and to are the same VRF; traffic inside one VRF is never flagged",
        ),
    )
    .default([]),
  namespaces: z.array(netnsName).default([]),
  hooks: z
    .strictObject({
      tc: z.enum(tcModes).default("auto"),
      drops: z.boolean().default(true),
      unreachable: z.boolean().default(true),
    })
    .default({ tc: "auto", drops: true, unreachable: true }),
});

export const defaultAgentConfig: AgentConfig = parseAgentConfig("", "(defaults)");

/** Validates config text; `file` is only used in messages. Throws ConfigError. */
export function parseAgentConfig(text: string, file: string): AgentConfig {
  const { value } = parseYaml(text, file, schema);
  return {
    expectedCrossVrf: value.expected_cross_vrf.map(({ from, to }) => ({ from, to })),
    namespaces: [...new Set(value.namespaces)],
    hooks: { ...value.hooks },
  };
}

/** Reads and validates the file; a file that cannot be read is a ConfigError too, with the reason. */
export async function loadAgentConfig(file: string): Promise<AgentConfig> {
  return parseAgentConfig(await readConfigFile(file), file);
}
