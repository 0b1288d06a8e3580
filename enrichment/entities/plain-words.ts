/**
 * Rules in plain words, with attacker-written text kept as data. A rule's description is a
 * list of clauses; each clause is a list of segments that are either our words (`text`) or a
 * value taken from the rule (`value`: a rule name, a keyword, an address). The event page,
 * emails and tickets render values with their own escaping; `toSentence` gives one line of
 * plain text with every value quoted and its control and bidirectional characters escaped,
 * so a newline in a rule name cannot forge another line of the description.
 */
import type { z } from 'zod';
import type { clauseSchema, ruleDescriptionSchema, segmentSchema } from './snapshot-parts.ts';

export type Segment = z.infer<typeof segmentSchema>;
export type Clause = z.infer<typeof clauseSchema>;
/** The description's `sentence` is one line of plain text: "If …: …, …." */
export type RuleDescription = z.infer<typeof ruleDescriptionSchema>;

/** Builds a clause from template pieces: strings are our words, `{ value }` pieces are rule data. */
export function clause(kind: Clause['kind'], ...parts: (string | { value: string } | { values: readonly string[]; joiner: 'or' | 'and' })[]): Clause {
  const segments: Segment[] = [];
  for (const part of parts) {
    if (typeof part === 'string') segments.push({ text: part });
    else if ('value' in part) segments.push({ value: part.value });
    else
      part.values.forEach((v, i) => {
        if (i > 0) segments.push({ text: i === part.values.length - 1 ? ` ${part.joiner} ` : ', ' });
        segments.push({ value: v });
      });
  }
  return { kind, segments };
}

/** A value as one safe, visibly delimited token of plain text. */
export function quoteValue(value: string): string {
  // JSON escaping handles quotes, backslashes and C0 controls; bidi overrides and line
  // separators are escaped too, as they can reorder or break the line that shows the rule.
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function clauseText(c: Clause): string {
  return c.segments.map((s) => ('text' in s ? s.text : quoteValue(s.value))).join('');
}

export function describeRule(conditions: Clause[], exceptions: Clause[], actions: Clause[], always = 'For every message'): RuleDescription {
  const when = conditions.length > 0 ? `If ${conditions.map(clauseText).join(' and ')}` : always;
  const unless = exceptions.length > 0 ? `, except if ${exceptions.map(clauseText).join(' or ')}` : '';
  const what = actions.length > 0 ? actions.map(clauseText).join(', ') : 'do nothing';
  return { conditions, exceptions, actions, sentence: `${when}${unless}: ${what}.` };
}
