import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ENTITY_KINDS, SEVERITIES } from '../../db/schema/index.ts';
import { detectRecords } from './evaluate.ts';
import { RULES, ruleFileName } from './registry.ts';
import { REMEDIATION_ACTIONS, type RuleCase } from './types.ts';

/** Every built-in rule: its labelled cases pass and its metadata is complete and valid. */
const rulesDir = fileURLToPath(new URL('./rules/', import.meta.url));
const files = new Set(readdirSync(rulesDir));
const casesByRule = new Map<string, RuleCase[]>();
for (const rule of RULES) {
  const file = `${ruleFileName(rule.id)}.cases.ts`;
  if (files.has(file)) casesByRule.set(rule.id, ((await import(/* @vite-ignore */ pathToFileURL(`${rulesDir}${file}`).href)) as { cases: RuleCase[] }).cases);
}

describe.each(RULES.map((r) => [r.id, r] as const))('%s', (id, rule) => {
  test('metadata', () => {
    expect(id).toMatch(/^M365\.[A-Za-z]+\.[A-Z][A-Za-z0-9]+$/);
    expect(files.has(`${ruleFileName(id)}.ts`), `rule file ${ruleFileName(id)}.ts`).toBe(true);
    expect(SEVERITIES).toContain(rule.severity);
    expect(rule.mitre.length).toBeGreaterThan(0);
    for (const m of rule.mitre) expect(m).toMatch(/^TA\d{4}:T\d{4}(\.\d{3})?$/);
    expect(rule.title.trim().length).toBeGreaterThan(10);
    expect(rule.description.trim().length).toBeGreaterThan(30);
    // A runbook: several concrete steps.
    expect(rule.howToReact.split('\n').filter((l) => /^\d+\. \S/.test(l)).length).toBeGreaterThanOrEqual(3);
    for (const [kind, actions] of Object.entries(rule.remediations)) {
      expect(ENTITY_KINDS).toContain(kind);
      for (const a of actions ?? []) expect(REMEDIATION_ACTIONS).toContain(a);
    }
    expect(rule.dedupMinutes).toBeGreaterThan(0);
    // Defaults must parse from nothing: `{}` is valid settings.
    expect(() => rule.settings.parse({})).not.toThrow();
  });

  const cases = casesByRule.get(id) ?? [];
  test('has labelled cases: at least one positive, one negative and one near miss', () => {
    expect(cases.some((c) => c.expected)).toBe(true);
    expect(cases.some((c) => !c.expected)).toBe(true);
    expect(cases.some((c) => !c.expected && /near miss/i.test(c.name))).toBe(true);
  });

  test.each(cases.map((c) => [c.name, c] as const))('case: %s', (_name, c) => {
    const records = [...(c.history ?? []), c.record];
    const matches = detectRecords(records, { rules: RULES, domains: ['contoso.com'], settings: c.settings, ipIntel: c.ipIntel, userCount: c.userCount });
    const last = `activity-${records.length - 1}`;
    const fired = matches.filter((m) => m.rule.id === id && m.record.activityId === last);
    expect(fired.length > 0, fired[0]?.finding.description ?? 'no finding').toBe(c.expected);
    for (const m of fired) {
      expect(m.finding.description.length).toBeGreaterThan(20);
      expect(m.finding.primary.key).not.toBe('');
    }
  });
});

test('rule ids are unique and every rule file is registered', () => {
  const ids = RULES.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  const registered = new Set(ids.map(ruleFileName));
  const ruleFiles = [...files].filter((f) => /^m365-.*\.ts$/.test(f) && !f.endsWith('.cases.ts')).map((f) => f.replace(/\.ts$/, ''));
  expect(ruleFiles.filter((f) => !registered.has(f))).toEqual([]);
});
