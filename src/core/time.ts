/** Event time and processing time in weir are epoch milliseconds held in a `number`. */
export type Timestamp = number;

/** The watermark before any data: nothing is known about event time yet. */
export const MIN_WATERMARK = Number.NEGATIVE_INFINITY;
/** The final watermark, sent at the end of bounded input: every event-time window and timer fires. */
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;
/** Marks a record that carries no event-time timestamp (Flink's `Long.MIN_VALUE`). */
export const NO_TIMESTAMP = Number.NEGATIVE_INFINITY;

const UNIT_MS: Record<string, number> = {
  ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  min: 60_000, minute: 60_000, minutes: 60_000, m: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

/**
 * Parses a duration as Flink's configuration writes it (`500ms`, `10 s`, `2 min`, `1h`) into milliseconds.
 * A bare number is milliseconds.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) throw new TypeError(`cannot read "${text}" as a duration; write e.g. '500ms', '10 s' or '2 min'`);
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : UNIT_MS[unit];
  if (factor === undefined) throw new TypeError(`unknown time unit "${m[2]}" in "${text}"; use ms, s, min, h or d`);
  return Number(m[1]) * factor;
}

/** Formats epoch ms as Flink prints a `TIMESTAMP(3)`: `yyyy-MM-dd HH:mm:ss.SSS` (UTC). */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}
