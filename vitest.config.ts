import { defineConfig } from "vitest/config";

// Three tiers, each with its own npm script: unit (no privilege), bpf (root, this host's
// kernel), lab (real VRFs in the VM; one guest at a time on a 2-core machine). Whatever pins
// maps gets a bpffs first, which a fresh machine does not have.
export default defineConfig({
  test: {
    globalSetup: ["test/support/bpffs.ts"],
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      { test: { name: "bpf", include: ["test/bpf/**/*.test.ts"], testTimeout: 60_000, fileParallelism: false } },
      {
        test: {
          name: "lab",
          include: ["test/lab/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      // The .deb of `npm run package`, its root and image; root, and one container at a time.
      {
        test: {
          name: "package",
          include: ["test/package/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      // Not in `npm test`: timings are asserted here only, on a quiet machine (npm run bench:datapath).
      { test: { name: "bench", include: ["bench/**/*.bench.test.ts"], testTimeout: 300_000 } },
    ],
  },
});
