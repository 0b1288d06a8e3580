/**
 * Date literals: ISO 8601 in single quotes, typed by the field they are compared with.
 * `'2026-11-01'` is midnight UTC; a time without an offset is UTC; fractions beyond
 * milliseconds are cut, as JavaScript dates hold milliseconds.
 */

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** Years outside this range are refused: both JavaScript and Postgres read them the same way. */
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;

/**
 * Milliseconds since the epoch for an ISO 8601 date or date-time, or undefined when the text is
 * not one (or names a day that does not exist, like 2026-02-30).
 * @example parseIsoInstant('2026-11-01T08:30:00+01:00') // Date.UTC(2026, 10, 1, 7, 30)
 */
export function parseIsoInstant(text: string): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, fs, zone] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs ?? 0);
  const minute = Number(mis ?? 0);
  const second = Number(ss ?? 0);
  const millis = fs ? Number(fs.slice(0, 3).padEnd(3, '0')) : 0;
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 14 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  const resultYear = new Date(ms).getUTCFullYear();
  if (resultYear < MIN_YEAR || resultYear > MAX_YEAR) return undefined;
  return ms;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
