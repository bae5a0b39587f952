// Durations of access windows: what a person may type, the choices offered, and the
// bounds. The grammar is the CLI's (`stint_api::rules::parse_duration`), held to the same
// cases (`crates/stint-api/src/rules/duration_cases.json`); the bounds come from the
// generated `LIMITS`. The broker checks again; this is so the form can say why first.

import { LIMITS } from "./bindings/rules";

/** Shortest window a grant may have (from `stint_api::rules`). */
export const MIN_DURATION_SECS = LIMITS.minDurationSecs;

const UNITS = new Map<string, number>([
  ["s", 1],
  ["sec", 1],
  ["secs", 1],
  ["second", 1],
  ["seconds", 1],
  ["m", 60],
  ["min", 60],
  ["mins", 60],
  ["minute", 60],
  ["minutes", 60],
  ["h", 3600],
  ["hr", 3600],
  ["hrs", 3600],
  ["hour", 3600],
  ["hours", 3600],
  ["d", 86_400],
  ["day", 86_400],
  ["days", 86_400],
]);

/** Durations travel as a u32 of seconds. */
const MAX_SECS = 4_294_967_295;

export type DurationReading = { secs: number } | { problem: string };

/**
 * Reads `90m`, `1h30m`, `1h 30m`, `2 h`, `1d` into whole seconds, or says what is wrong.
 * A bare number is refused: `45` could be minutes or hours.
 */
export function readDuration(text: string): DurationReading {
  const trimmed = text.trim();
  if (trimmed === "") return { problem: "type a duration such as 30m, 1h or 1h30m" };
  if (/^\d+$/.test(trimmed)) {
    return { problem: `"${trimmed}" has no unit: write ${trimmed}m for minutes or ${trimmed}h for hours` };
  }
  const malformed = { problem: `"${trimmed}" is not a duration: write it like 30m, 1h or 1h30m` };
  const tooLong = { problem: `"${trimmed}" is far too long` };
  const lower = trimmed.toLowerCase();
  const part = /(\d+)\s*([a-z]*)\s*/y;
  let total = 0;
  let index = 0;
  while (index < lower.length) {
    part.lastIndex = index;
    const m = part.exec(lower);
    if (!m) return malformed;
    const unit = UNITS.get(m[2]);
    if (unit === undefined) return malformed;
    total += Number(m[1]) * unit;
    if (!Number.isFinite(total) || total > MAX_SECS) return tooLong;
    index = part.lastIndex;
  }
  return { secs: total };
}

/** The seconds `text` means, or `null` when it is not a duration. */
export function parseDuration(text: string): number | null {
  const reading = readDuration(text);
  return "secs" in reading ? reading.secs : null;
}

/** A problem from the shared grammar, as the form shows it: a sentence. */
export function sentence(problem: string): string {
  return `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`;
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
  if (seconds > LIMITS.maxDurationSecs && maxSecs > LIMITS.maxDurationSecs) {
    return `At most ${formatDuration(LIMITS.maxDurationSecs)}.`;
  }
  if (seconds < MIN_DURATION_SECS) return `At least ${formatDuration(MIN_DURATION_SECS)}.`;
  if (seconds > maxSecs) return `Policy allows at most ${formatDuration(maxSecs)} here.`;
  return null;
}
