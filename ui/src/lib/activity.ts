// How the window talks about a grant's session activity (GET /v1/requests/{id}/activity):
// the same words as `stint activity`.

import type { ActivityEvent } from "./bindings/ActivityEvent";
import type { ActivityPage } from "./bindings/ActivityPage";

/** `s3`, `ec2`, `signin`: the service, without `.amazonaws.com`. */
export function service(e: ActivityEvent): string {
  return e.eventSource.replace(/\.amazonaws\.com$/, "");
}

/** `ok`, or the error AWS answered. */
export function result(e: ActivityEvent): string {
  return e.errorCode ?? "ok";
}

/** A time of day with seconds, in the person's zone: CloudTrail is exact to the second. */
export function clockTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return t.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
}

/** `5 min`, `45 s`, `1 h 10 min`. */
function lag(secs: number): string {
  if (secs < 60) return `${secs} s`;
  const minutes = Math.round(secs / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** What a page can and cannot show: when it was read, and how late CloudTrail may be. */
export function asOf(page: ActivityPage): string {
  const when = `As of ${clockTime(page.asOf)}.`;
  if (page.deliveryLagSecs === 0) return when;
  return `${when} CloudTrail delivers events up to ${lag(page.deliveryLagSecs)} late, so the latest may be missing.`;
}

/** One line above the list: nothing yet, how many, and how many after the window. */
export function headline(page: ActivityPage): string {
  if (page.windowStart === null) return "This request never gave access, so it has no activity.";
  const n = page.items.length;
  if (n === 0) return "No events in the trail yet.";
  const events = n === 1 ? "1 event" : `${n} events`;
  const after = page.afterWindowCount;
  if (after === 0) return events;
  return `${events}, ${after} after the window ended`;
}
