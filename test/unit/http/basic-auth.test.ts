import bcrypt from "bcryptjs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { BasicAuth } from "../../../agent/http/basic-auth.js";

let hash: string;
const header = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;

beforeAll(async () => {
  hash = await bcrypt.hash("s3cret", 4);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("BasicAuth", () => {
  it("is off without users", () => {
    expect(new BasicAuth(new Map()).enabled).toBe(false);
    expect(new BasicAuth(new Map([["prometheus", hash]])).enabled).toBe(true);
  });

  it("runs bcrypt once for a credential that passes, then answers from its cache", async () => {
    const auth = new BasicAuth(new Map([["prometheus", hash]]));
    const compare = vi.spyOn(bcrypt, "compare");
    expect(await auth.check(header("prometheus:s3cret"))).toBe("pass");
    expect(await auth.check(header("prometheus:s3cret"))).toBe("pass");
    expect(await auth.check(`basic  ${Buffer.from("prometheus:s3cret").toString("base64")}`)).toBe("pass");
    expect(compare).toHaveBeenCalledTimes(1);
  });

  it("never caches a failure, so every wrong guess pays bcrypt", async () => {
    const auth = new BasicAuth(new Map([["prometheus", hash]]));
    const compare = vi.spyOn(bcrypt, "compare");
    expect(await auth.check(header("prometheus:guess"))).toBe("fail");
    expect(await auth.check(header("prometheus:guess"))).toBe("fail");
    expect(compare).toHaveBeenCalledTimes(2);
  });

  it("compares an unknown user's password against a dummy hash of the same cost", async () => {
    const auth = new BasicAuth(new Map([["prometheus", hash]]));
    const compare = vi.spyOn(bcrypt, "compare");
    expect(await auth.check(header("grafana:s3cret"))).toBe("fail");
    expect(compare).toHaveBeenCalledTimes(1);
    const dummy = String(compare.mock.calls[0]?.[1]);
    expect(dummy).not.toBe(hash);
    expect(dummy).toMatch(/^\$2b\$04\$[./A-Za-z0-9]{53}$/);
    // Cached success for one user must not leak to another with the same password.
    expect(await auth.check(header("prometheus:s3cret"))).toBe("pass");
    expect(await auth.check(header("grafana:s3cret"))).toBe("fail");
  });

  it.each([undefined, "", "Bearer abc", "Basic", "Basic !!!", header("no-colon")])("refuses %j", async (value) => {
    const auth = new BasicAuth(new Map([["prometheus", hash]]));
    expect(await auth.check(value)).toBe("fail");
  });

  it("keeps the password's colons: only the first one separates the user", async () => {
    const colonHash = await bcrypt.hash("a:b:c", 4);
    const auth = new BasicAuth(new Map([["prometheus", colonHash]]));
    expect(await auth.check(header("prometheus:a:b:c"))).toBe("pass");
  });

  it("queues bcrypt one at a time, eight waiting, two per client, and answers busy past that at once", async () => {
    const auth = new BasicAuth(new Map([["prometheus", hash]]));
    expect(await auth.check(header("prometheus:s3cret"), "10.0.9.9")).toBe("pass");
    // From here comparisons are held until released, so the queue's state can be looked at.
    const held: (() => void)[] = [];
    const compare = vi
      .spyOn(bcrypt, "compare")
      .mockImplementation(() => new Promise<boolean>((resolve) => held.push(() => resolve(false))));
    const guess = header("prometheus:guess");
    const flood = [auth.check(guess, "10.0.0.1"), auth.check(guess, "10.0.0.1")];
    // A third from the same address would take more than its share.
    expect(await auth.check(guess, "10.0.0.1")).toBe("busy");
    const others = Array.from({ length: 7 }, (_, i) => auth.check(guess, `10.0.1.${i}`));
    // One running and eight waiting: a new address finds no place either...
    expect(await auth.check(guess, "10.0.2.1")).toBe("busy");
    // ...but a credential that passed before needs none.
    expect(await auth.check(header("prometheus:s3cret"), "10.0.2.1")).toBe("pass");
    expect(compare).toHaveBeenCalledTimes(1);
    // Each release hands the place to the next in line, one at a time, until all have run.
    for (let done = 0; done < 9; done++) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(held).toHaveLength(done + 1);
      held[done]?.();
    }
    expect(await Promise.all([...flood, ...others])).toEqual(Array(9).fill("fail"));
    // With the queue empty, the address that was refused gets its turn again.
    const again = auth.check(guess, "10.0.0.1");
    await new Promise((resolve) => setImmediate(resolve));
    held[9]?.();
    expect(await again).toBe("fail");
  });
});
