/**
 * The Rules page's helpers: who may read and write, expiry as a local date-time, MITRE ids as
 * typed, the API's message for one field. Pure functions (no Svelte, no `$lib` imports) so they
 * are tested directly in test/e2e/rules-form.test.ts.
 */

type Role = 'owner' | 'admin' | 'technician' | 'read_only';
/** What `describeError` gives (`$lib/api/errors`), as far as these helpers read it. */
type UserError = { message: string; details: { path: string; message: string }[] };

/** Whitelist rules hide events, so reading them needs a technician; custom detections are read by everyone. */
export const canReadWhitelist = (role: Role): boolean => role !== 'read_only';

/** Admins and owners write both kinds of rule (the API's `whitelist.write` and `custom-detection.write`). */
export const canWriteRules = (role: Role): boolean => role === 'admin' || role === 'owner';

/** Rules listed per request; more come with "Show more". */
export const RULES_PAGE_SIZE = 100;

/**
 * An ISO instant as a `datetime-local` value in the reader's zone, and back.
 * @example fromLocalInput(toLocalInput('2030-01-02T03:04:00.000Z')) // '2030-01-02T03:04:00.000Z'
 */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** The API's message for one field of a refused form (`mitre` also covers `mitre.2`), or null. */
export function fieldProblem(error: UserError | null, path: string): string | null {
  const detail = error?.details.find((d) => d.path === path || d.path.startsWith(`${path}.`));
  if (!detail) return null;
  const which = detail.path.startsWith(`${path}.`) ? ` (entry ${Number(detail.path.slice(path.length + 1)) + 1})` : '';
  return `${detail.message}${which}`;
}

/**
 * MITRE ids as typed (commas, spaces or new lines between them), upper-cased, without repeats.
 * @example parseMitre('ta0006:t1110, TA0009:T1114.003') // ['TA0006:T1110', 'TA0009:T1114.003']
 */
export function parseMitre(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
}
