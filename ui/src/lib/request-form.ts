// The request form's rules, kept out of the component so they can be tested: which
// eligibility entry a choice means, and every reason a draft cannot be sent yet.

import type { CreateRequest } from "./bindings/CreateRequest";
import type { EligibleAccess } from "./bindings/EligibleAccess";
import { LIMITS } from "./bindings/rules";
import { durationProblem, formatDuration, readDuration, sentence } from "./duration";

export interface RequestDraft {
  /** Account id. */
  accountId: string;
  permissionSet: string;
  /** As typed: `1h`, `90m`... */
  duration: string;
  startLater: boolean;
  /** A `datetime-local` value (local time, no zone), used when `startLater`. */
  startAt: string;
  reason: string;
  ticket: string;
}

export type DraftField = "target" | "duration" | "startAt" | "reason" | "ticket";
export type DraftProblems = Partial<Record<DraftField, string>>;

/** Reasons are read by approvers and auditors (`stint_api::rules`, as the broker counts). */
export const MIN_REASON_CHARS = LIMITS.minReasonChars;
/** The latest start the form accepts, so a typo in the year does not schedule 2062. */
export const MAX_START_AHEAD_DAYS = Math.floor(LIMITS.maxLeadSecs / 86_400);

/** Characters, as the broker counts them (code points, not UTF-16 units). */
function chars(text: string): number {
  return [...text].length;
}

export function emptyDraft(): RequestDraft {
  return {
    accountId: "",
    permissionSet: "",
    duration: "1h",
    startLater: false,
    startAt: "",
    reason: "",
    ticket: "",
  };
}

export function findEligible(
  items: EligibleAccess[],
  accountId: string,
  permissionSet: string,
): EligibleAccess | undefined {
  return items.find((i) => i.account.id === accountId && i.permissionSet.name === permissionSet);
}

/**
 * Whether a window of `seconds` needs an approver: some rules waive approval for windows
 * up to `maxWithoutApprovalSecs`.
 */
export function needsApproval(entry: EligibleAccess, seconds: number | null): boolean {
  if (!entry.approvalRequired) return false;
  const free = entry.maxWithoutApprovalSecs;
  return !(free !== null && seconds !== null && seconds <= free);
}

/** The list's note on approval for one entry: `needs approval`, `no approval`, or `no approval up to 4 h`. */
export function approvalNote(entry: EligibleAccess): string {
  if (!entry.approvalRequired) return "no approval";
  const free = entry.maxWithoutApprovalSecs;
  return free ? `no approval up to ${formatDuration(free)}` : "needs approval";
}

/** The combobox's next highlighted option for an arrow key, wrapping at both ends. */
export function moveHighlight(current: number, count: number, key: "ArrowDown" | "ArrowUp"): number {
  if (count === 0) return -1;
  if (current < 0) return key === "ArrowDown" ? 0 : count - 1;
  return (current + (key === "ArrowDown" ? 1 : -1) + count) % count;
}

/** The policy's ticket pattern as a whole-string test; `null` when the browser cannot read it. */
export function ticketMatcher(pattern: string | null): RegExp | null {
  if (!pattern) return null;
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return null; // A pattern only Rust's regex understands: the broker will check it.
  }
}

/** A `datetime-local` value as a UTC instant, or `null` when it is not one. */
export function localToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
}

/**
 * Checks a draft against the person's eligibility. Returns the problems by field, and the
 * request to send when there are none.
 */
export function validateDraft(
  draft: RequestDraft,
  items: EligibleAccess[],
  now: number,
): { problems: DraftProblems; request: CreateRequest | null } {
  const problems: DraftProblems = {};
  const entry = findEligible(items, draft.accountId, draft.permissionSet);
  if (!draft.accountId || !draft.permissionSet) {
    problems.target = "Choose an account and a permission set.";
  } else if (!entry) {
    problems.target = "You may not request this permission set in this account.";
  }

  const reading = readDuration(draft.duration);
  const seconds = "secs" in reading ? reading.secs : null;
  const durationIssue =
    "problem" in reading
      ? sentence(reading.problem)
      : durationProblem(seconds, entry?.maxDurationSecs ?? Number.MAX_SAFE_INTEGER);
  if (durationIssue) problems.duration = durationIssue;

  let startAt: string | null = null;
  if (draft.startLater) {
    startAt = localToIso(draft.startAt);
    if (!startAt) {
      problems.startAt = "Pick a date and time to start.";
    } else if (Date.parse(startAt) <= now) {
      problems.startAt = "The start must be in the future (or choose Start now).";
    } else if (Date.parse(startAt) - now > MAX_START_AHEAD_DAYS * 86_400_000) {
      problems.startAt = `Start within the next ${MAX_START_AHEAD_DAYS} days.`;
    }
  }

  const reason = draft.reason.trim();
  if (chars(reason) < MIN_REASON_CHARS) {
    problems.reason = "Say why you need it: approvers and auditors read it.";
  } else if (chars(reason) > LIMITS.maxReasonChars) {
    problems.reason = `Keep it to ${LIMITS.maxReasonChars} characters (this is ${chars(reason)}).`;
  }

  const ticket = draft.ticket.trim();
  if (chars(ticket) > LIMITS.maxTicketChars) {
    problems.ticket = `Keep it to ${LIMITS.maxTicketChars} characters.`;
  } else if (entry?.ticketRequired && ticket === "") {
    problems.ticket = "Policy requires a ticket for this access.";
  } else if (ticket !== "" && entry) {
    const matcher = ticketMatcher(entry.ticketPattern);
    if (matcher && !matcher.test(ticket)) {
      problems.ticket = `A ticket here looks like ${entry.ticketPattern}.`;
    }
  }

  if (Object.keys(problems).length > 0 || !entry || seconds === null) {
    return { problems, request: null };
  }
  return {
    problems,
    request: {
      account: entry.account.id,
      permissionSet: entry.permissionSet.name,
      durationSecs: seconds,
      startAt,
      reason,
      ticket: ticket === "" ? null : ticket,
    },
  };
}

/**
 * Type-to-search over eligibility: every word typed must appear in the account's name or
 * id or in the permission set's name. Results keep the policy's order.
 */
export function searchEligible(items: EligibleAccess[], query: string): EligibleAccess[] {
  const words = query.toLowerCase().split(/[\s/]+/).filter(Boolean);
  if (words.length === 0) return items;
  return items.filter((i) => {
    const hay = `${i.account.name} ${i.account.id} ${i.permissionSet.name}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** Distinct accounts in eligibility, by name. */
export function accountsOf(items: EligibleAccess[]): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const i of items) seen.set(i.account.id, i.account.name);
  return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}
