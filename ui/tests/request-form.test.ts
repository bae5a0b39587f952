import { describe, expect, it } from "vitest";
import type { EligibleAccess } from "../src/lib/bindings/EligibleAccess";
import {
  approvalNote,
  moveHighlight,
  accountsOf,
  emptyDraft,
  localToIso,
  needsApproval,
  searchEligible,
  ticketMatcher,
  validateDraft,
  type RequestDraft,
} from "../src/lib/request-form";

function eligible(
  account: [string, string],
  permissionSet: string,
  max: number,
  extra: Partial<EligibleAccess> = {},
): EligibleAccess {
  return {
    account: { id: account[0], name: account[1] },
    permissionSet: {
      name: permissionSet,
      arn: `arn:aws:sso:::permissionSet/ssoins-1/ps-${permissionSet}`,
      description: null,
      sessionDurationSecs: 3600,
    },
    maxDurationSecs: max,
    approvalRequired: true,
    ticketRequired: false,
    ticketPattern: null,
    maxWithoutApprovalSecs: null,
    ...extra,
  };
}

const PROD = ["333333333333", "prod"] as [string, string];
const DEV = ["555555555555", "dev"] as [string, string];
const items = [
  eligible(PROD, "AdministratorAccess", 3600, {
    ticketRequired: true,
    ticketPattern: "(INC|CHG)-[0-9]+",
  }),
  eligible(PROD, "ReadOnlyAccess", 8 * 3600),
  eligible(DEV, "PowerUserAccess", 4 * 3600, { approvalRequired: false }),
];
const NOW = Date.parse("2026-03-01T10:00:00Z");

function draft(over: Partial<RequestDraft>): RequestDraft {
  return {
    ...emptyDraft(),
    accountId: PROD[0],
    permissionSet: "ReadOnlyAccess",
    reason: "Investigating INC-42 latency",
    ...over,
  };
}

describe("validateDraft", () => {
  it("turns a good draft into the request to send", () => {
    const { problems, request } = validateDraft(draft({ duration: "2h" }), items, NOW);
    expect(problems).toEqual({});
    expect(request).toEqual({
      account: PROD[0],
      permissionSet: "ReadOnlyAccess",
      durationSecs: 7200,
      startAt: null,
      reason: "Investigating INC-42 latency",
      ticket: null,
    });
  });

  it("needs a target the person is eligible for", () => {
    expect(validateDraft(draft({ accountId: "" }), items, NOW).problems.target).toMatch(/Choose/);
    const r = validateDraft(draft({ accountId: DEV[0], permissionSet: "ReadOnlyAccess" }), items, NOW);
    expect(r.problems.target).toMatch(/may not request/);
    expect(r.request).toBeNull();
  });

  it("bounds the duration by the policy of the chosen entry", () => {
    const over = validateDraft(draft({ permissionSet: "AdministratorAccess", ticket: "INC-1", duration: "2h" }), items, NOW);
    expect(over.problems.duration).toBe("Policy allows at most 1 h here.");
    const ok = validateDraft(draft({ permissionSet: "AdministratorAccess", ticket: "INC-1", duration: "1h" }), items, NOW);
    expect(ok.problems).toEqual({});
    expect(validateDraft(draft({ duration: "soon" }), items, NOW).problems.duration).toBe(
      '"soon" is not a duration: write it like 30m, 1h or 1h30m.',
    );
    // The CLI's grammar: a bare number is not guessed at.
    const bare = validateDraft(draft({ duration: "45" }), items, NOW);
    expect(bare.problems.duration).toBe('"45" has no unit: write 45m for minutes or 45h for hours.');
    expect(bare.request).toBeNull();
  });

  it("asks for a reason, counted in characters as the broker counts them", () => {
    const r = validateDraft(draft({ reason: "   fix  " }), items, NOW);
    expect(r.problems.reason).toBeUndefined();
    expect(r.request?.reason).toBe("fix");
    expect(validateDraft(draft({ reason: "   " }), items, NOW).problems.reason).toMatch(/Say why/);
    // 2000 emoji are 4000 UTF-16 units but 2000 characters: allowed, one more is not.
    expect(validateDraft(draft({ reason: "🙂".repeat(2000) }), items, NOW).problems.reason).toBeUndefined();
    expect(validateDraft(draft({ reason: "🙂".repeat(2001) }), items, NOW).problems.reason).toBe(
      "Keep it to 2000 characters (this is 2001).",
    );
  });

  it("requires a ticket matching the policy's pattern when policy says so", () => {
    const base = { permissionSet: "AdministratorAccess", duration: "30m" };
    expect(validateDraft(draft(base), items, NOW).problems.ticket).toMatch(/requires a ticket/);
    expect(validateDraft(draft({ ...base, ticket: "JIRA-1" }), items, NOW).problems.ticket).toBe(
      "A ticket here looks like (INC|CHG)-[0-9]+.",
    );
    // Anchored: a matching part is not enough.
    expect(validateDraft(draft({ ...base, ticket: "xINC-1" }), items, NOW).problems.ticket).toBeDefined();
    const ok = validateDraft(draft({ ...base, ticket: " CHG-77 " }), items, NOW);
    expect(ok.problems).toEqual({});
    expect(ok.request?.ticket).toBe("CHG-77");
  });

  it("checks a later start is in the future and not far off", () => {
    const later = (startAt: string) => validateDraft(draft({ startLater: true, startAt }), items, NOW).problems.startAt;
    expect(later("")).toMatch(/Pick a date/);
    expect(later("2020-01-01T10:00")).toMatch(/in the future/);
    expect(later("2027-01-01T10:00")).toMatch(/within the next 30 days/);
    const ok = validateDraft(draft({ startLater: true, startAt: "2026-03-02T09:30" }), items, NOW);
    expect(ok.problems).toEqual({});
    expect(ok.request?.startAt).toBe(new Date("2026-03-02T09:30").toISOString());
  });
});

describe("needsApproval", () => {
  it("follows the rule, and its waiver for short windows", () => {
    const [admin, readOnly, devPower] = items;
    expect(needsApproval(admin, 1800)).toBe(true);
    expect(needsApproval(devPower, 1800)).toBe(false);
    const waived = { ...readOnly, maxWithoutApprovalSecs: 3600 };
    expect(needsApproval(waived, 3600)).toBe(false);
    expect(needsApproval(waived, 3601)).toBe(true);
    expect(needsApproval(waived, null)).toBe(true);
  });
});

describe("helpers", () => {
  it("search matches every word against account and permission set", () => {
    expect(searchEligible(items, "").length).toBe(3);
    expect(searchEligible(items, "prod admin").map((i) => i.permissionSet.name)).toEqual(["AdministratorAccess"]);
    expect(searchEligible(items, "prod/read").map((i) => i.permissionSet.name)).toEqual(["ReadOnlyAccess"]);
    expect(searchEligible(items, "5555").map((i) => i.account.name)).toEqual(["dev"]);
    expect(searchEligible(items, "staging")).toEqual([]);
  });
  it("lists each account once, by name", () => {
    expect(accountsOf(items)).toEqual([
      { id: DEV[0], name: "dev" },
      { id: PROD[0], name: "prod" },
    ]);
  });
  it("reads ticket patterns it can, and leaves the rest to the broker", () => {
    expect(ticketMatcher("(INC|CHG)-[0-9]+")?.test("INC-9")).toBe(true);
    expect(ticketMatcher(null)).toBeNull();
    expect(ticketMatcher("(?P<x>a)")).toBeNull();
  });
  it("reads datetime-local values only", () => {
    expect(localToIso("2026-03-02T09:30")).toBe(new Date("2026-03-02T09:30").toISOString());
    expect(localToIso("tomorrow")).toBeNull();
  });
});

describe("the combobox and the list's notes", () => {
  it("moves the highlight with the arrows, wrapping", () => {
    expect(moveHighlight(-1, 3, "ArrowDown")).toBe(0);
    expect(moveHighlight(-1, 3, "ArrowUp")).toBe(2);
    expect(moveHighlight(2, 3, "ArrowDown")).toBe(0);
    expect(moveHighlight(0, 3, "ArrowUp")).toBe(2);
    expect(moveHighlight(0, 0, "ArrowDown")).toBe(-1);
  });
  it("says per entry whether approval is needed, and up to when it is not", () => {
    expect(approvalNote(eligible(["1", "prod"], "ReadOnlyAccess", 8 * 3600))).toBe("needs approval");
    expect(
      approvalNote(eligible(["2", "dev"], "PowerUserAccess", 8 * 3600, { maxWithoutApprovalSecs: 4 * 3600 })),
    ).toBe("no approval up to 4 h");
    expect(approvalNote(eligible(["2", "dev"], "PowerUserAccess", 4 * 3600, { approvalRequired: false }))).toBe(
      "no approval",
    );
  });
});
