import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { loadNative } from "../../agent/native.js";

describe("native addon", () => {
  // Matching pkg-config proves the addon links the distro libbpf, not a
  // vendored or stale copy.
  it("reports the libbpf version that pkg-config describes", async () => {
    const { stdout } = await execa("pkg-config", ["--modversion", "libbpf"]);
    const majorMinor = stdout.trim().split(".").slice(0, 2).join(".");
    expect(loadNative().libbpfVersion()).toBe(majorMinor);
  });
});
