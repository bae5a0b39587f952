import { describe, expect, it } from "vitest";
import {
  defaultDuration,
  durationChoices,
  durationProblem,
  formatDuration,
  parseDuration,
  readDuration,
} from "../src/lib/duration";

// The CLI's grammar (stint_api::rules::parse_duration) is held to the same file.
import cases from "../../crates/stint-api/src/rules/duration_cases.json";

describe("readDuration", () => {
  it("reads every shared case as the CLI does", () => {
    expect(cases.length).toBeGreaterThan(10);
    for (const c of cases as { text: string; secs: number | null; says?: string }[]) {
      const reading = readDuration(c.text);
      if (c.secs !== null) {
        expect(reading, c.text).toEqual({ secs: c.secs });
      } else {
        expect("problem" in reading, c.text).toBe(true);
        if ("problem" in reading) expect(reading.problem, c.text).toContain(c.says ?? "");
      }
    }
  });
  it("refuses a bare number, showing how to write it", () => {
    expect(parseDuration("45")).toBeNull();
    expect(readDuration("45")).toEqual({
      problem: '"45" has no unit: write 45m for minutes or 45h for hours',
    });
  });
  it("reads back what it prints", () => {
    for (const secs of [60, 90, 2700, 3600, 5400, 86_400]) {
      expect(parseDuration(formatDuration(secs))).toBe(secs);
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
