import { describe, expect, it } from "vitest";
import { isStale } from "../src/lib/link.svelte";

describe("a stale error", () => {
  it("is one about reaching the broker, shown before the broker came back", () => {
    expect(isStale("unreachable", 1000, 2000)).toBe(true);
    expect(isStale("unreachable", 3000, 2000)).toBe(false);
    expect(isStale("unreachable", 1000, 0)).toBe(false);
    expect(isStale("invalid_input", 1000, 2000)).toBe(false);
  });
});
