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
    expect(await auth.check(header("prometheus:s3cret"))).toBe(true);
    expect(await auth.check(header("prometheus:s3cret"))).toBe(true);
    expect(await auth.check(`basic  ${Buffer.from("prometheus:s3cret").toString("base64")}`)).toBe(true);
    expect(compare).toHaveBeenCalledTimes(1);
  });

  it("never caches a failure, so every wrong guess pays bcrypt", async () => {
    const auth = new BasicAuth(new Map([["prometheus", hash]]));
    const compare = vi.spyOn(bcrypt, "compare");
    expect(await auth.check(header("prometheus:guess"))).toBe(false);
    expect(await auth.check(header("prometheus:guess"))).toBe(false);
    expect(compare).toHaveBeenCalledTimes(2);
  });

  it("compares an unknown user's password against a dummy hash of the same cost", async () => {
    const auth = new BasicAuth(new Map([["prometheus", hash]]));
    const compare = vi.spyOn(bcrypt, "compare");
    expect(await auth.check(header("grafana:s3cret"))).toBe(false);
    expect(compare).toHaveBeenCalledTimes(1);
    const dummy = String(compare.mock.calls[0]?.[1]);
    expect(dummy).not.toBe(hash);
    expect(dummy).toMatch(/^\$2b\$04\$[./A-Za-z0-9]{53}$/);
    // Cached success for one user must not leak to another with the same password.
    expect(await auth.check(header("prometheus:s3cret"))).toBe(true);
    expect(await auth.check(header("grafana:s3cret"))).toBe(false);
  });

  it.each([undefined, "", "Bearer abc", "Basic", "Basic !!!", header("no-colon")])("refuses %j", async (value) => {
    const auth = new BasicAuth(new Map([["prometheus", hash]]));
    expect(await auth.check(value)).toBe(false);
  });

  it("keeps the password's colons: only the first one separates the user", async () => {
    const colonHash = await bcrypt.hash("a:b:c", 4);
    const auth = new BasicAuth(new Map([["prometheus", colonHash]]));
    expect(await auth.check(header("prometheus:a:b:c"))).toBe(true);
  });
});
