// How the window talks about time left. The tray menu's wording comes from Rust
// (src-tauri/src/labels.rs) and the two agree: both are held to the same cases,
// crates/stint-notices/src/time_left_cases.json ("41 min left" while the countdown shows 41:07).

/** Seconds from `now` until `iso`, never negative. */
export function secondsUntil(iso: string, now: number): number {
  const end = Date.parse(iso);
  if (Number.isNaN(end)) return 0;
  return Math.max(0, Math.floor((end - now) / 1000));
}

/** A live countdown: `41:07` under an hour, `1:41:07` above, `0:00` once over. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => n.toString().padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/**
 * Time left in words, in the whole minutes the countdown shows (at 41:07, 41), as the
 * tray says it: `41 min left`, `1 h left`, `1 h 5 min left`, `less than a minute left`, `ended`.
 */
export function formatLeft(seconds: number): string {
  const s = Math.floor(seconds);
  if (s <= 0) return "ended";
  if (s < 60) return "less than a minute left";
  const minutes = Math.floor(s / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min left`;
  return m === 0 ? `${h} h left` : `${h} h ${m} min left`;
}

/** The share of the window still left, from 1 at the start to 0 at the end. */
export function fractionLeft(startIso: string, endIso: string, now: number): number {
  const start = Date.parse(startIso);
  const end = Date.parse(endIso);
  if (Number.isNaN(start) || Number.isNaN(end) || end <= start) return 0;
  return Math.min(1, Math.max(0, (end - now) / (end - start)));
}

/** The tray turns red and a notification goes out when this little is left. */
export const EXPIRING_SOON_SECS = 5 * 60;

export function isExpiringSoon(seconds: number): boolean {
  return seconds > 0 && seconds <= EXPIRING_SOON_SECS;
}

/** `14:32` today, `Tue 14:32` within a week, `2026-03-01 14:32` otherwise (local time). */
export function formatWhen(iso: string, now: number): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return "";
  const two = (n: number) => n.toString().padStart(2, "0");
  const clock = `${two(t.getHours())}:${two(t.getMinutes())}`;
  const today = new Date(now);
  if (t.toDateString() === today.toDateString()) return clock;
  const days = Math.abs(t.getTime() - now) / 86_400_000;
  if (days < 6) {
    return `${t.toLocaleDateString("en-GB", { weekday: "short" })} ${clock}`;
  }
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${clock}`;
}

/**
 * What to say when credentials outlive the access they came with (AWS cannot end a
 * session early): `, 41 min after your access ends at 15:20`, or "" when they do not.
 */
export function outlivesGrant(credentialsIso: string, grantEndIso: string, now: number): string {
  const creds = Date.parse(credentialsIso);
  const end = Date.parse(grantEndIso);
  if (Number.isNaN(creds) || Number.isNaN(end) || creds - end < 60_000) return "";
  const minutes = Math.round((creds - end) / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const span = h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
  return `, ${span} after your access ends at ${formatWhen(grantEndIso, now)}`;
}

/**
 * The sentence after "Copied.": until when the credentials work, and whether past the
 * grant (`grantEndIso` null: a role held without a request, which has no end).
 */
export function copiedWording(credentialsIso: string, grantEndIso: string | null, now: number): string {
  const until = `These credentials work until ${formatWhen(credentialsIso, now)}`;
  if (grantEndIso === null) return `${until}.`;
  const past = outlivesGrant(credentialsIso, grantEndIso, now);
  return past
    ? `${until}${past}: revoking or ending the access does not stop them.`
    : `${until}, when your access ends.`;
}

/** Asked before Revoke: what ends now, and what does not. */
export function revokeQuestion(
  target: string,
  credentialsIso: string | null,
  now: number,
): string {
  const question = `End your access to ${target} now?`;
  if (!credentialsIso || Date.parse(credentialsIso) <= now) return question;
  return `${question} Credentials already copied stay valid until ${formatWhen(credentialsIso, now)}.`;
}
