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
  it("rounds up to the minute so the last minute still reads 1 min", () => {
    expect(formatLeft(60)).toBe("1 min left");
    expect(formatLeft(61)).toBe("2 min left");
    expect(formatLeft(42 * 60)).toBe("42 min left");
    expect(formatLeft(41 * 60 + 1)).toBe("42 min left");
  });
  it("names hours", () => {
    expect(formatLeft(3600)).toBe("1 h left");
    expect(formatLeft(3600 + 5 * 60)).toBe("1 h 5 min left");
    expect(formatLeft(3599)).toBe("1 h left");
  });
  it("says when under a minute or over", () => {
    expect(formatLeft(59)).toBe("less than a minute left");
    expect(formatLeft(0)).toBe("ended");
    expect(formatLeft(-30)).toBe("ended");
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
