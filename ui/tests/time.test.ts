import { describe, expect, it } from "vitest";
import {
  copiedWording,
  formatCountdown,
  formatWhen,
  outlivesGrant,
  revokeQuestion,
  formatLeft,
  fractionLeft,
  isExpiringSoon,
  secondsUntil,
} from "../src/lib/time";
import shared from "../../crates/stint-notices/src/time_left_cases.json";

describe("formatCountdown", () => {
  it("shows minutes and seconds under an hour", () => {
    expect(formatCountdown(0)).toBe("0:00");
    expect(formatCountdown(9)).toBe("0:09");
    expect(formatCountdown(41 * 60 + 7)).toBe("41:07");
    expect(formatCountdown(3599)).toBe("59:59");
  });
  it("adds hours from one hour on", () => {
    expect(formatCountdown(3600)).toBe("1:00:00");
    expect(formatCountdown(3600 + 41 * 60 + 7)).toBe("1:41:07");
    expect(formatCountdown(12 * 3600)).toBe("12:00:00");
  });
  it("never goes negative and drops fractions", () => {
    expect(formatCountdown(-5)).toBe("0:00");
    expect(formatCountdown(59.9)).toBe("0:59");
  });
});

describe("formatLeft", () => {
  it("says what the tray says (crates/stint-notices/src/time_left_cases.json, also read by labels.rs)", () => {
    expect(shared.cases.length).toBeGreaterThan(10);
    for (const c of shared.cases) {
      expect(formatLeft(c.seconds), `${c.seconds} s`).toBe(c.left);
      expect(formatCountdown(c.seconds), `${c.seconds} s`).toBe(c.countdown);
    }
  });
  it("names the minutes the countdown shows, every second of twelve hours", () => {
    for (let s = 60; s <= 12 * 3600; s++) {
      const [h, m] = formatCountdown(s).split(":").length === 3
        ? formatCountdown(s).split(":").map(Number)
        : [0, ...formatCountdown(s).split(":").map(Number)];
      const words = formatLeft(s).match(/^(?:(\d+) h)? ?(?:(\d+) min)? left$/);
      expect(words, formatLeft(s)).not.toBeNull();
      const said = Number(words![1] ?? 0) * 60 + Number(words![2] ?? 0);
      if (said !== h * 60 + m) expect(`${s} s: ${formatLeft(s)}`).toBe(formatCountdown(s));
    }
  });
});

describe("secondsUntil and fractionLeft", () => {
  const start = "2026-01-01T10:00:00Z";
  const end = "2026-01-01T11:00:00Z";
  it("count from now to the end", () => {
    expect(secondsUntil(end, Date.parse("2026-01-01T10:15:00Z"))).toBe(45 * 60);
    expect(secondsUntil(end, Date.parse("2026-01-01T12:00:00Z"))).toBe(0);
    expect(secondsUntil("not a time", 0)).toBe(0);
  });
  it("give the share of the window left", () => {
    expect(fractionLeft(start, end, Date.parse(start))).toBe(1);
    expect(fractionLeft(start, end, Date.parse("2026-01-01T10:45:00Z"))).toBeCloseTo(0.25);
    expect(fractionLeft(start, end, Date.parse("2026-01-01T13:00:00Z"))).toBe(0);
    expect(fractionLeft(end, start, 0)).toBe(0);
  });
});

describe("isExpiringSoon", () => {
  it("is true in the last five minutes only", () => {
    expect(isExpiringSoon(301)).toBe(false);
    expect(isExpiringSoon(300)).toBe(true);
    expect(isExpiringSoon(1)).toBe(true);
    expect(isExpiringSoon(0)).toBe(false);
  });
});

describe("credentials that outlive the grant", () => {
  const now = Date.parse("2026-01-01T10:30:00Z");
  const end = "2026-01-01T11:00:00Z";
  it("say so on copy, with how long past the end", () => {
    const text = copiedWording("2026-01-01T11:41:00Z", end, now);
    expect(text).toBe(
      `These credentials work until ${formatWhen("2026-01-01T11:41:00Z", now)}, 41 min after your access ends at ${formatWhen(end, now)}: revoking or ending the access does not stop them.`,
    );
    expect(outlivesGrant("2026-01-01T12:05:00Z", end, now)).toContain("1 h 5 min after");
  });
  it("say nothing extra when they end with the grant", () => {
    expect(outlivesGrant("2026-01-01T11:00:30Z", end, now)).toBe("");
    expect(copiedWording("2026-01-01T10:50:00Z", end, now)).toBe(
      `These credentials work until ${formatWhen("2026-01-01T10:50:00Z", now)}, when your access ends.`,
    );
  });
  it("are named in the revoke question while they are valid", () => {
    expect(revokeQuestion("prod / ReadOnlyAccess", "2026-01-01T11:41:00Z", now)).toBe(
      `End your access to prod / ReadOnlyAccess now? Credentials already copied stay valid until ${formatWhen("2026-01-01T11:41:00Z", now)}.`,
    );
    expect(revokeQuestion("prod / ReadOnlyAccess", null, now)).toBe("End your access to prod / ReadOnlyAccess now?");
    expect(revokeQuestion("prod / ReadOnlyAccess", "2026-01-01T10:00:00Z", now)).toBe(
      "End your access to prod / ReadOnlyAccess now?",
    );
  });
});
