import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { debounce } from "../../../agent/inventory/debounce.js";

describe("the change debouncer", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires once, the quiet time after the last of a burst", () => {
    const fire = vi.fn();
    const changed = debounce(fire, 100, 1_000);
    for (let i = 0; i < 5; i++) {
      changed.notify();
      vi.advanceTimersByTime(50);
    }
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(49);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it("still fires every max wait under churn that never pauses", () => {
    const fire = vi.fn();
    const changed = debounce(fire, 100, 1_000);
    for (let t = 0; t < 2_500; t += 50) {
      changed.notify();
      vi.advanceTimersByTime(50);
    }
    expect(fire).toHaveBeenCalledTimes(2);
  });

  it("fires nothing once cancelled", () => {
    const fire = vi.fn();
    const changed = debounce(fire, 100, 1_000);
    changed.notify();
    changed.cancel();
    vi.advanceTimersByTime(2_000);
    expect(fire).not.toHaveBeenCalled();
  });
});
