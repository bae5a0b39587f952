// Durations of access windows: what a person may type, the choices offered, and the
// bounds policy sets. The broker checks again; this is so the form can say why first.

/** Shortest window the form accepts. The broker enforces its own rules as well. */
export const MIN_DURATION_SECS = 60;

const UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  m: 60,
  min: 60,
  h: 3600,
  hr: 3600,
  d: 86_400,
};

/**
 * Reads `90m`, `1h30m`, `1h 30m`, `2h`, `1.5h`, `45` (minutes) into seconds.
 * Returns `null` for anything else.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === "") return null;
  if (/^\d+$/.test(t)) return Number(t) * 60;
  const part = /(\d+(?:\.\d+)?)\s*(sec|min|hr|s|m|h|d)/y;
  let total = 0;
  let index = 0;
  let matched = false;
  while (index < t.length) {
    while (t[index] === " ") index++;
    if (index >= t.length) break;
    part.lastIndex = index;
    const m = part.exec(t);
    if (!m) return null;
    total += Number(m[1]) * UNITS[m[2]];
    index = part.lastIndex;
    matched = true;
  }
  return matched ? Math.round(total) : null;
}

/** `1 h 30 min`, `45 min`, `2 h`, `90 s` (under two minutes, when not whole). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120 && s % 60 !== 0) return `${s} s`;
  const minutes = Math.round(s / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

const PRESETS = [15 * 60, 30 * 60, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600];

/** The one-click choices for a policy maximum: the presets under it, and the maximum itself. */
export function durationChoices(maxSecs: number): number[] {
  const choices = PRESETS.filter((p) => p < maxSecs);
  if (maxSecs >= MIN_DURATION_SECS) choices.push(maxSecs);
  return choices;
}

/** A sensible first choice: one hour, or the maximum when that is shorter. */
export function defaultDuration(maxSecs: number): number {
  return Math.min(3600, maxSecs);
}

/** Why `seconds` is not allowed under `maxSecs`, or `null` when it is. */
export function durationProblem(seconds: number | null, maxSecs: number): string | null {
  if (seconds === null) return "Type a duration such as 30m, 1h or 1h30m.";
  if (seconds < MIN_DURATION_SECS) return `At least ${formatDuration(MIN_DURATION_SECS)}.`;
  if (seconds > maxSecs) return `Policy allows at most ${formatDuration(maxSecs)} here.`;
  return null;
}
