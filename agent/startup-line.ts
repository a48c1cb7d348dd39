/**
 * The fields of the daemon's one startup line: what an operator reading a journal needs to know
 * about the agent that started (which build, on which kernel, attached how, with room for how
 * many VRFs and interfaces, reading which config files).
 */
import type { AgentOptions } from "./config/flags.js";
import type { Core } from "./core.js";
import { limits } from "./datapath/layout.js";
import { buildInfo } from "./version.js";

export function startupFields(core: Core, options: AgentOptions, vrfs: number): Record<string, string | number> {
  const { facts } = core.state;
  return {
    version: facts.version,
    revision: buildInfo.revision,
    kernel: facts.kernel,
    libbpf: facts.libbpf,
    attach_mode: facts.attachMode,
    vrf_slots: limits.vrfs,
    interface_slots: limits.ifaces,
    config_file: options.configFile ?? "",
    web_config_file: options.webConfigFile ?? "",
    vrfs,
    families: core.datapath.status
      .map((s) => `${s.family}=${s.loaded ? "loaded" : s.disabled ? "disabled" : "unavailable"}`)
      .join(","),
  };
}
