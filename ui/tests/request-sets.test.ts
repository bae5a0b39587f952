// Request sets in the window: several accounts asked for at once are one item to approve
// and one pending request, whose actions say they act on every account.

import { describe, expect, it } from "vitest";
import { render } from "svelte/server";
import Access from "../src/views/Access.svelte";
import Approvals from "../src/views/Approvals.svelte";
import GrantCard from "../src/components/GrantCard.svelte";
import { bySet, setTarget } from "../src/lib/requests";
import { carolsSet, groupRequest, part, readable, request, snapshot } from "./fixtures";

describe("bySet", () => {
  it("gathers a set's members at its first member, keeping the rest in order", () => {
    const [dev, staging, prod] = carolsSet();
    const alone = request({ id: 30 });
    expect(bySet([dev, alone, staging, prod]).map((item) => item.map((r) => r.id))).toEqual([[20, 21, 22], [30]]);
  });

  it("names the permission set once and every account", () => {
    expect(setTarget(carolsSet())).toBe("ReadOnlyAccess in 3 accounts: dev, staging, prod");
    expect(setTarget([request()])).toBe("prod / ReadOnlyAccess");
    expect(setTarget([groupRequest()])).toBe("group oncall-admins");
  });
});

describe("an approver", () => {
  const view = (approvals = carolsSet()) => render(Approvals, { props: { snapshot: snapshot({ approvals }) } }).body;

  it("sees a set as one item whose approve and reject act on all of it", () => {
    const html = view([...carolsSet(), request({ id: 30, state: "pending", decidedBy: null })]);
    // One item per decision: the set (under its first member's id) and the lone request.
    expect(html.match(/data-testid="approval-\d+"/g)).toEqual(['data-testid="approval-20"', 'data-testid="approval-30"']);
    const item = part(html, "approval-20");
    expect(item).toContain('data-members="20 21 22"');
    expect(readable(part(item, "target"))).toBe("ReadOnlyAccess in 3 accounts: dev, staging, prod");
    expect(readable(part(item, "set-note"))).toBe("One request for 3 accounts: your decision applies to all of them.");
    expect(readable(part(item, "approve"))).toBe("Approve all 3");
    expect(readable(part(item, "reject"))).toBe("Reject all 3…");
    const lone = part(html, "approval-30");
    expect(readable(part(lone, "approve"))).toBe("Approve");
    expect(lone).not.toContain("set-note");
  });

  it("sees an extension of a set as one, in every account", () => {
    const html = view(carolsSet({ state: "active", pendingEndAt: "2026-03-01T11:30:00Z" }));
    const item = part(html, "approval-20");
    expect(item).toContain('data-kind="extension"');
    expect(readable(part(item, "approve"))).toBe("Approve extension in all 3 accounts");
  });

  it("sees what a requested group gives", () => {
    const html = view([groupRequest({ state: "pending", decidedBy: null })]);
    const item = part(html, "approval-12");
    expect(readable(part(item, "target"))).toBe("group oncall-admins");
    expect(readable(part(item, "gives"))).toBe(
      "Membership gives prod / AdministratorAccess, staging / AdministratorAccess",
    );
  });
});

describe("the requester", () => {
  it("sees their pending set as one request, cancelled whole", () => {
    const mine = carolsSet();
    const html = render(Access, { props: { snapshot: snapshot({ pending: mine }), onrequest: () => {} } }).body;
    expect(html.match(/data-testid="pending-\d+"/g)).toEqual(['data-testid="pending-20"']);
    const item = part(html, "pending-20");
    expect(readable(item)).toContain("ReadOnlyAccess in 3 accounts: dev, staging, prod waiting for approval");
    expect(readable(part(item, "cancel"))).toBe("Cancel the request for all 3 accounts");
  });

  it("is told that revoking one account of an active set revokes all", () => {
    const members = carolsSet({ state: "active" });
    const html = render(GrantCard, {
      props: {
        grant: { request: members[1], credentialsExpireAt: null, extendSteps: [], console: { region: null, service: null }, gives: [] },
        extendSteps: [],
        setMembers: members,
      },
    }).body;
    expect(readable(part(html, "set-note"))).toBe(
      "Asked for together with dev, prod: extending or revoking it does all 3 accounts.",
    );
  });
});
