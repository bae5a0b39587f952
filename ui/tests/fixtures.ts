// Requests and snapshots as Rust sends them, for the tests that render the window's views.

import type { AccessRequest } from "../src/lib/bindings/AccessRequest";
import type { GrantView } from "../src/lib/bindings/GrantView";
import type { Snapshot } from "../src/lib/bindings/Snapshot";

export function request(extra: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: 7,
    requester: { userId: "u-carol", userName: "carol", displayName: "Carol Chen" },
    account: { id: "333333333333", name: "prod" },
    permissionSet: { name: "ReadOnlyAccess", arn: "arn:ps", description: null, sessionDurationSecs: 3600 },
    state: "active",
    reason: "Roll back",
    ticket: null,
    durationSecs: 3600,
    startAt: "2026-03-01T10:00:00Z",
    endAt: "2026-03-01T11:00:00Z",
    pendingEndAt: null,
    approvalRequired: true,
    approvalDeadline: null,
    decidedBy: { userId: "u-bob", userName: "bob", displayName: "Bob Baker" },
    decisionComment: null,
    outcome: null,
    createdAt: "2026-03-01T09:55:00Z",
    updatedAt: "2026-03-01T10:00:00Z",
    history: null,
    ...extra,
  };
}

/** Alice's membership of oncall-admins: AdministratorAccess in prod and staging. */
export function groupRequest(extra: Partial<AccessRequest> = {}): AccessRequest {
  return request({
    id: 12,
    requester: { userId: "u-alice", userName: "alice", displayName: "Alice Adams" },
    account: { id: "", name: "" },
    permissionSet: { name: "", arn: "", description: null, sessionDurationSecs: 0 },
    group: {
      id: "g-1",
      name: "oncall-admins",
      gives: [
        { account: { id: "333333333333", name: "prod" }, permissionSet: "AdministratorAccess" },
        { account: { id: "444444444444", name: "staging" }, permissionSet: "AdministratorAccess" },
      ],
    },
    ...extra,
  });
}

export function groupGrant(r: AccessRequest = groupRequest()): GrantView {
  return {
    request: r,
    credentialsExpireAt: null,
    extendSteps: [1800],
    console: { region: null, service: null },
    gives: (r.group?.gives ?? []).map((g) => ({
      accountId: g.account.id,
      accountName: g.account.name,
      permissionSet: g.permissionSet,
      console: { region: null, service: null },
      credentialsExpireAt: null,
    })),
  };
}

/** Carol's request set: ReadOnlyAccess in dev, staging and prod (requests 20 to 22). */
export function carolsSet(extra: Partial<AccessRequest> = {}): AccessRequest[] {
  return ["dev", "staging", "prod"].map((name, i) =>
    request({
      id: 20 + i,
      setId: 20,
      account: { id: `55555555555${i}`, name },
      state: "pending",
      decidedBy: null,
      ...extra,
    }),
  );
}

export function snapshot(extra: Partial<Snapshot> = {}): Snapshot {
  return {
    session: {
      state: "signed_in",
      user: { userName: "alice", displayName: "Alice Adams", email: null, groups: [], approver: true },
    },
    broker: { state: "live" },
    active: [],
    pending: [],
    approvals: [],
    history: [],
    standing: { roles: [], readAt: null, error: null },
    ...extra,
  };
}

/** What a person reads in rendered HTML: the text, tags and Svelte's markers gone, spaces collapsed. */
export function readable(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The HTML of the element carrying `data-testid="<testid>"`, up to its closing tag. */
export function part(html: string, testid: string): string {
  const start = html.search(new RegExp(`<(\\w+)[^>]*data-testid="${testid}"`));
  if (start < 0) throw new Error(`no [data-testid=${testid}] in ${html}`);
  const tag = /^<(\w+)/.exec(html.slice(start))![1];
  let depth = 0;
  const re = new RegExp(`<${tag}\\b|</${tag}>`, "g");
  re.lastIndex = start;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    depth += m[0].startsWith("</") ? -1 : 1;
    if (depth === 0) return html.slice(start, m.index + m[0].length);
  }
  return html.slice(start);
}
