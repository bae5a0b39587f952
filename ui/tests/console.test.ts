import { describe, expect, it } from "vitest";
import { choiceFrom, consoleWhere, isDefault } from "../src/lib/console";
import { matchesSearch } from "../src/lib/search";
import { copiedMessage } from "../src/lib/copy";
import { formatWhen } from "../src/lib/time";

describe("the console choice", () => {
  it("takes blanks as the defaults and service names in lower case", () => {
    expect(choiceFrom("  ", "")).toEqual({ region: null, service: null });
    expect(choiceFrom(" eu-west-1 ", " S3 ")).toEqual({ region: "eu-west-1", service: "s3" });
    expect(isDefault(choiceFrom("", ""))).toBe(true);
    expect(isDefault(choiceFrom("", "ec2"))).toBe(false);
  });
  it("says where the console opens", () => {
    expect(consoleWhere({ region: null, service: null })).toBe("the console home");
    expect(consoleWhere({ region: "eu-west-1", service: "s3" })).toBe("S3 in eu-west-1");
    expect(consoleWhere({ region: "us-east-2", service: null })).toBe("the console home in us-east-2");
    expect(consoleWhere({ region: null, service: "glue" })).toBe("glue");
  });
});

describe("one search over grants and standing roles", () => {
  const dev = { accountName: "dev", accountId: "555555555555", permissionSet: "ReadOnlyAccess" };
  const prod = { accountName: "prod", accountId: "333333333333", permissionSet: "AdministratorAccess" };
  it("keeps what every word typed appears in", () => {
    expect(matchesSearch(dev, "")).toBe(true);
    expect(matchesSearch(dev, "dev read")).toBe(true);
    expect(matchesSearch(dev, "dev/ReadOnly")).toBe(true);
    expect(matchesSearch(dev, "5555")).toBe(true);
    expect(matchesSearch(prod, "dev read")).toBe(false);
    expect(matchesSearch(prod, "prod admin")).toBe(true);
  });
});

describe("the copy confirmation", () => {
  const now = Date.parse("2026-01-01T10:30:00Z");
  it("for a standing role says until when, with no grant to outlive", () => {
    const text = copiedMessage({ format: "env", expiresAt: "2026-01-01T11:30:00Z" }, null, now);
    expect(text).toBe(`Copied. These credentials work until ${formatWhen("2026-01-01T11:30:00Z", now)}.`);
  });
  it("for a grant says when they outlive it", () => {
    const text = copiedMessage({ format: "env", expiresAt: "2026-01-01T11:41:00Z" }, "2026-01-01T11:00:00Z", now);
    expect(text).toContain("41 min after your access ends");
  });
  it("for a profile says it fetches fresh ones", () => {
    expect(copiedMessage({ format: "profile_line", expiresAt: null }, null, now)).toContain("profile");
  });
});
