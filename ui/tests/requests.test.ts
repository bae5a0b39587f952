import { describe, expect, it } from "vitest";
import { askedFor, endedStatus, extensionAsk, signOutQuestion, status } from "../src/lib/requests";
import { formatWhen } from "../src/lib/time";
import { request } from "./fixtures";

const NOW = Date.parse("2026-03-01T10:30:00Z");

describe("extensions", () => {
  it("read as the extra time and the new end", () => {
    const r = request({ pendingEndAt: "2026-03-01T11:30:00Z" });
    expect(extensionAsk(r)).toEqual({ bySecs: 1800, to: "2026-03-01T11:30:00Z" });
    expect(askedFor(r, NOW)).toBe(
      `30 min more, to ${formatWhen("2026-03-01T11:30:00Z", NOW)} (now ends ${formatWhen(r.endAt, NOW)})`,
    );
  });
  it("are absent from a grant with nothing asked, and a new request reads as its length", () => {
    expect(extensionAsk(request())).toBeNull();
    const pending = request({ state: "pending", pendingEndAt: "2026-03-01T11:30:00Z" });
    expect(extensionAsk(pending)).toBeNull();
    expect(askedFor(pending, NOW)).toBe(`for 1 h, from ${formatWhen(pending.startAt, NOW)}`);
  });
});

describe("history tells revoked from ended", () => {
  it("says revoked, when, and the real length of an early end", () => {
    const r = request({ state: "ended", endAt: "2026-03-01T10:12:00Z", updatedAt: "2026-03-01T10:12:05Z" });
    expect(endedStatus(r, NOW)).toBe(`revoked at ${formatWhen("2026-03-01T10:12:00Z", NOW)} after 12 min of 1 h`);
    expect(status(r, NOW)).toBe(endedStatus(r, NOW));
  });
  it("names who revoked it once its history is read", () => {
    const r = request({ state: "ended", endAt: "2026-03-01T10:12:00Z", updatedAt: "2026-03-01T10:12:05Z" });
    const at = formatWhen("2026-03-01T10:12:00Z", NOW);
    const byBob = { by: "bob", at: "2026-03-01T10:12:00Z" };
    expect(endedStatus(r, NOW, byBob)).toBe(`revoked by bob at ${at} after 12 min of 1 h`);
    expect(status(r, NOW, byBob)).toBe(endedStatus(r, NOW, byBob));
    const byThemselves = { by: r.requester.userName, at: "2026-03-01T10:12:00Z" };
    expect(endedStatus(r, NOW, byThemselves)).toBe(`revoked by you at ${at} after 12 min of 1 h`);
  });
  it("says so of a grant revoked before it started", () => {
    const r = request({ state: "ended", startAt: "2026-03-01T12:00:00Z", endAt: "2026-03-01T13:00:00Z", updatedAt: "2026-03-01T10:12:05Z" });
    expect(endedStatus(r, NOW, { by: "bob", at: r.updatedAt })).toBe("revoked by bob before it started");
  });
  it("says ended, and the length, for a window that ran its course", () => {
    const r = request({ state: "ended", updatedAt: "2026-03-01T11:00:20Z" });
    expect(endedStatus(r, NOW)).toBe(`ended at ${formatWhen(r.endAt, NOW)} after 1 h`);
  });
});

describe("signing out with active access", () => {
  it("says the access stays", () => {
    const q = signOutQuestion([request()], NOW);
    expect(q).toContain(`prod / ReadOnlyAccess (until ${formatWhen(request().endAt, NOW)})`);
    expect(q).toContain("does not end that access");
    expect(signOutQuestion([], NOW)).toBe("Sign out?");
  });
});
