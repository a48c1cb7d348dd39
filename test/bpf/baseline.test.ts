import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bpfObjectPath } from "../../agent/artifacts.js";
import { tcActUnspec, testRunObject } from "../support/bpftool.js";
import { udp4Frame } from "../support/frames.js";

const run = async (argv: string[]) => (await execa(argv[0] ?? "", argv.slice(1))).stdout;

describe("the baseline tc program on this host's kernel", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vrf-agent-bpf-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("passes the verifier and lets the packet through untouched (TC_ACT_UNSPEC)", async () => {
    const frame = join(dir, "udp4.bin");
    await writeFile(frame, udp4Frame());
    const result = await testRunObject(run, bpfObjectPath("baseline"), frame, 1000);
    expect(result.retval).toBe(tcActUnspec);
  });
});
