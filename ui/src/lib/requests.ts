// Words for a request's state, as the window lists them.

import type { AccessRequest } from "./bindings/AccessRequest";
import { formatDuration } from "./duration";
import { formatWhen } from "./time";

export function target(r: AccessRequest): string {
  return `${r.account.name} / ${r.permissionSet.name}`;
}

/** One line on where a request stands: `waiting for approval`, `starts at 14:00`... */
export function status(r: AccessRequest, now: number): string {
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
      return `ended ${formatWhen(r.endAt < r.updatedAt ? r.endAt : r.updatedAt, now)}`;
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

export function summary(r: AccessRequest): string {
  return `${formatDuration(r.durationSecs)} · “${r.reason}”${r.ticket ? ` · ${r.ticket}` : ""}`;
}
