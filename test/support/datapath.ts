/** A datapath on this host's kernel with its maps pinned in a folder of its own, removed after. */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { bpfObjectsDir as objectsDir } from "../../agent/artifacts.js";
import { Datapath } from "../../agent/datapath/datapath.js";
import { loadNative } from "../../agent/native.js";

export { objectsDir };

export function testDatapath(): { datapath: Datapath; pinRoot: string; remove(): Promise<void> } {
  const pinRoot = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
  const datapath = new Datapath(loadNative(), { objectsDir, pinRoot });
  datapath.start();
  return {
    datapath,
    pinRoot,
    async remove() {
      datapath.close();
      await rm(pinRoot, { recursive: true, force: true });
    },
  };
}
