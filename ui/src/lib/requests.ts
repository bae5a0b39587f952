// Words for a request's state, as the window lists them.

import type { AccessRequest } from "./bindings/AccessRequest";
import type { Revocation } from "./bindings/Revocation";
import { formatDuration } from "./duration";
import { formatWhen } from "./time";

/** `prod / ReadOnlyAccess`, or `group oncall-admins` for a group grant (as the tray says it). */
export function target(r: AccessRequest): string {
  return r.group ? `group ${r.group.name}` : `${r.account.name} / ${r.permissionSet.name}`;
}

/**
 * Requests as one item per request set: each set's members gathered at the place of its
 * first member, in order; a request on its own is an item of one. The broker acts on a set
 * as one (approve, reject, cancel, extend or revoke any member and every member follows),
 * so the window offers it as one, as the tray does (`model::by_set`).
 */
export function bySet(requests: AccessRequest[]): AccessRequest[][] {
  const items: AccessRequest[][] = [];
  const at = new Map<number, AccessRequest[]>();
  for (const r of requests) {
    const item = r.setId === undefined ? undefined : at.get(r.setId);
    if (item) {
      item.push(r);
    } else {
      const fresh = [r];
      if (r.setId !== undefined) at.set(r.setId, fresh);
      items.push(fresh);
    }
  }
  return items;
}

/** What a set asks for: `ReadOnlyAccess in 3 accounts: dev, staging, prod` (`labels::set_target`). */
export function setTarget(members: AccessRequest[]): string {
  if (members.length <= 1) return members[0] ? target(members[0]) : "";
  const accounts = members.map((m) => m.account.name).join(", ");
  return `${members[0].permissionSet.name} in ${members.length} accounts: ${accounts}`;
}

/** The roles a group grant gives, as one line: `prod / AdministratorAccess, staging / AdministratorAccess`. */
export function givesLine(r: AccessRequest): string {
  return (r.group?.gives ?? []).map((g) => `${g.account.name} / ${g.permissionSet}`).join(", ");
}

/**
 * One line on where a request stands: `waiting for approval`, `starts at 14:00`...; for a
 * grant revoked, who did it when the app has read its history (`revoked`).
 */
export function status(r: AccessRequest, now: number, revoked: Revocation | null = null): string {
  switch (r.state) {
    case "pending":
      return r.approvalDeadline
        ? `waiting for approval (until ${formatWhen(r.approvalDeadline, now)})`
        : "waiting for approval";
    case "approved":
      return `approved, starts at ${formatWhen(r.startAt, now)}`;
    case "activating":
      return "starting…";
    case "active":
      return "active";
    case "ending":
      return "ending…";
    case "ended":
      return endedStatus(r, now, revoked);
    case "rejected":
      return r.decidedBy ? `rejected by ${r.decidedBy.displayName}` : "rejected";
    case "cancelled":
      return "cancelled";
    case "expired":
      return "expired: nobody decided in time";
    case "failed":
      return r.outcome ?? "failed";
  }
}

/** What an extension waiting for an approver asks: the extra time and the new end. */
export function extensionAsk(r: AccessRequest): { bySecs: number; to: string } | null {
  if (!r.pendingEndAt || r.state === "pending") return null;
  const bySecs = Math.max(0, Math.round((Date.parse(r.pendingEndAt) - Date.parse(r.endAt)) / 1000));
  return { bySecs, to: r.pendingEndAt };
}

/** An approver's one line on what they decide: `for 1 h, from 14:00` or `30 min more, to 15:42`. */
export function askedFor(r: AccessRequest, now: number): string {
  const ext = extensionAsk(r);
  if (ext) {
    return `${formatDuration(ext.bySecs)} more, to ${formatWhen(ext.to, now)} (now ends ${formatWhen(r.endAt, now)})`;
  }
  return `for ${formatDuration(r.durationSecs)}, from ${formatWhen(r.startAt, now)}`;
}

/**
 * How a grant ended, told apart: `revoked by bob at 14:05 after 12 min of 1 h` when it
 * closed early (a revoke moves its end to that moment; who did it comes from the
 * request's history, `revoked`), `revoked before it started`, `ended at 15:00 after 1 h`
 * on time.
 */
export function endedStatus(r: AccessRequest, now: number, revoked: Revocation | null = null): string {
  const start = Date.parse(r.startAt);
  const closed = Math.min(Date.parse(r.endAt), Date.parse(r.updatedAt));
  const ranSecs = Math.max(0, Math.round((closed - start) / 1000));
  const at = formatWhen(new Date(closed).toISOString(), now);
  const by = revoked ? ` by ${revoked.by === r.requester.userName ? "you" : revoked.by}` : "";
  if (Date.parse(r.updatedAt) < start) {
    return `revoked${by} before it started`;
  }
  // Thirty seconds of slack: the broker closes a window on its own schedule.
  if (ranSecs + 30 < r.durationSecs) {
    return `revoked${by} at ${at} after ${formatDuration(ranSecs)} of ${formatDuration(r.durationSecs)}`;
  }
  return `ended at ${at} after ${formatDuration(ranSecs)}`;
}

export function summary(r: AccessRequest): string {
  return `${formatDuration(r.durationSecs)} · “${r.reason}”${r.ticket ? ` · ${r.ticket}` : ""}`;
}

/** Asked before signing out while access is active: it does not end the access. */
export function signOutQuestion(active: AccessRequest[], now: number): string {
  if (active.length === 0) return "Sign out?";
  const what = active.map((r) => `${target(r)} (until ${formatWhen(r.endAt, now)})`).join(", ");
  return `Sign out while you hold ${what}? Signing out does not end that access: revoke it first if you are done. Until you sign in again this app shows no countdown and no notifications.`;
}
