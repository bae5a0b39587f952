import { describe, expect, it } from "vitest";
import {
  defaultDuration,
  durationChoices,
  durationProblem,
  formatDuration,
  parseDuration,
} from "../src/lib/duration";

describe("parseDuration", () => {
  it("reads the forms people type", () => {
    expect(parseDuration("90m")).toBe(5400);
    expect(parseDuration("1h30m")).toBe(5400);
    expect(parseDuration("1h 30m")).toBe(5400);
    expect(parseDuration(" 2H ")).toBe(7200);
    expect(parseDuration("1.5h")).toBe(5400);
    expect(parseDuration("45")).toBe(2700);
    expect(parseDuration("90s")).toBe(90);
    expect(parseDuration("2 min")).toBe(120);
    expect(parseDuration("1d")).toBe(86400);
  });
  it("refuses anything else", () => {
    for (const bad of ["", "h", "1x", "one hour", "1h-30m", "-1h", "1h30"]) {
      expect(parseDuration(bad), bad).toBeNull();
    }
  });
});

describe("formatDuration", () => {
  it("writes hours and minutes", () => {
    expect(formatDuration(5400)).toBe("1 h 30 min");
    expect(formatDuration(3600)).toBe("1 h");
    expect(formatDuration(2700)).toBe("45 min");
    expect(formatDuration(90)).toBe("90 s");
    expect(formatDuration(120)).toBe("2 min");
  });
});

describe("policy bounds", () => {
  it("offers the presets under the maximum and the maximum itself", () => {
    expect(durationChoices(3600)).toEqual([900, 1800, 3600]);
    expect(durationChoices(4 * 3600)).toEqual([900, 1800, 3600, 7200, 14400]);
    expect(durationChoices(5400)).toEqual([900, 1800, 3600, 5400]);
    expect(durationChoices(600)).toEqual([600]);
  });
  it("defaults to an hour, or less when policy says so", () => {
    expect(defaultDuration(8 * 3600)).toBe(3600);
    expect(defaultDuration(1800)).toBe(1800);
  });
  it("explains what is out of bounds", () => {
    expect(durationProblem(3600, 3600)).toBeNull();
    expect(durationProblem(60, 3600)).toBeNull();
    expect(durationProblem(3601, 3600)).toBe("Policy allows at most 1 h here.");
    expect(durationProblem(30, 3600)).toBe("At least 1 min.");
    expect(durationProblem(null, 3600)).toMatch(/Type a duration/);
  });
});
