import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { RuleCase } from '../../../detection/types.ts';
import {
  adminAbuseScenario,
  attackerPersistenceScenario,
  baselineScenario,
  becScenario,
  collectorConsent,
  FABRIKAM,
  generateTenantDay,
  smallTenantSprayScenario,
} from '../scenarios/index.ts';
import type { TenantScenario } from '../state.ts';
import { CLIENT_IP_FORMS, clientIpFormOf, describeFailure, GRAPH_SCHEMAS, validateAuditRecord, validateGraphRecord, type GraphSource } from './index.ts';

/**
 * Every record the simulator's scenarios emit, and every audit-log or Graph record of the
 * detections' labelled cases, is checked against Microsoft's schemas. A failure names the
 * record's operation, the path and the message, one line each.
 */
const consents = [collectorConsent('5b0c0c38-7d2f-4c35-9a2e-6f1f6a0c1a11')];

function scenarioFailures(scenario: TenantScenario): { checked: number; failures: string[] } {
  const failures: string[] = [];
  let checked = 0;
  for (const { record } of scenario.audit ?? []) {
    checked++;
    failures.push(...describeFailure(`${record.Operation} ${record.Id}`, validateAuditRecord(record)));
  }
  const graph: [GraphSource, { id: string }[] | undefined, (r: Record<string, unknown>) => string][] = [
    ['graph.signIns', scenario.signIns, (r) => `signIn ${String(r.status && (r.status as { errorCode: number }).errorCode)}`],
    ['graph.directoryAudits', scenario.directoryAudits, (r) => String(r.activityDisplayName)],
    ['graph.alerts_v2', scenario.alerts, (r) => `alert ${String(r.title)}`],
    ['graph.riskDetections', scenario.riskDetections, (r) => `riskDetection ${String(r.riskEventType)}`],
    ['graph.riskyUsers', scenario.riskyUsers, () => 'riskyUser'],
  ];
  for (const [source, records, label] of graph) {
    for (const record of records ?? []) {
      checked++;
      failures.push(...describeFailure(`${label(record as Record<string, unknown>)} ${record.id}`, validateGraphRecord(source, record)));
    }
  }
  return { checked, failures };
}

const generated = [
  { seed: 1, users: 5 },
  { seed: 'fabrikam-7', users: 60 },
  { seed: 20240506, users: 150 },
].map(
  ({ seed, users }) =>
    [
      `generated day, seed ${seed}, ${users} users`,
      () => generateTenantDay({ seed, day: '2024-03-29', userCount: users, ctx: { ...FABRIKAM }, consents }).toScenario(),
    ] as const,
);

const scenarios = [
  ['baseline (300 users)', () => baselineScenario({ consents })],
  ['bec', () => becScenario({ consents })],
  ['admin-abuse', () => adminAbuseScenario({ consents })],
  ['small-tenant-spray', () => smallTenantSprayScenario({ consents })],
  ['attacker-persistence', () => attackerPersistenceScenario({ consents })],
  ...generated,
] as const;

describe('scenario records validate against Microsoft schemas', () => {
  test.each(scenarios)('%s', (_name, build) => {
    const { checked, failures } = scenarioFailures(build());
    expect(checked).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  test('together they emit every ClientIP form Microsoft sends (protocols.md)', () => {
    const seen = new Set<string>();
    for (const [, build] of scenarios) {
      for (const { record } of build().audit ?? [])
        seen.add(record.ClientIP === null ? 'null' : record.ClientIP === undefined ? 'absent' : (clientIpFormOf(record.ClientIP) ?? 'invalid'));
    }
    expect([...CLIENT_IP_FORMS, 'null'].filter((form) => !seen.has(form))).toEqual([]);
    expect(seen.has('invalid')).toBe(false);
  });
});

const rulesDir = fileURLToPath(new URL('../../../detection/rules/', import.meta.url));
const caseFiles = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.cases.ts'))
  .sort();
const caseRecords = (
  await Promise.all(
    caseFiles.map(async (file) => {
      const { cases } = (await import(/* @vite-ignore */ pathToFileURL(`${rulesDir}${file}`).href)) as { cases: RuleCase[] };
      return cases.flatMap((c) =>
        [...(c.history ?? []), c.record].map((r, i, all) => ({
          label: `${file.replace(/\.cases\.ts$/, '')}: ${c.name}${all.length > 1 ? ` [${i}]` : ''}`,
          ...r,
        })),
      );
    }),
  )
).flat();

/**
 * Case records that are knowingly not Microsoft's shape, because the product cannot read the
 * real one yet. Each entry must still fail exactly this way: once the product reads the real
 * shape, correct the case and drop the entry. None at present.
 */
const KNOWN_DEVIATIONS: { file: string; schema: string; path: string }[] = [];

describe('labelled detection cases use real record shapes', () => {
  test('there are cases of both feeds', () => {
    expect(caseRecords.some((r) => r.source.startsWith('Audit.'))).toBe(true);
    expect(caseRecords.some((r) => r.source in GRAPH_SCHEMAS)).toBe(true);
  });

  const isKnown = (rule: string, schema: string, path: string): boolean =>
    KNOWN_DEVIATIONS.some((d) => d.file === rule && d.schema === schema && d.path === path);

  /** Issues of every record of one rule's cases, each with its line for the report. */
  function caseIssues(rule: string): { schema: string; path: string; line: string }[] {
    return caseRecords
      .filter((c) => c.label.startsWith(`${rule}:`))
      .flatMap((r) => {
        const raw = r.raw as { Operation?: string; activityDisplayName?: string };
        const result = r.source in GRAPH_SCHEMAS ? validateGraphRecord(r.source as GraphSource, r.raw) : validateAuditRecord(r.raw);
        if (result.ok) return [];
        const lines = describeFailure(`${r.label} — ${raw.Operation ?? raw.activityDisplayName ?? r.source}`, result);
        return result.issues.map((i, n) => ({ schema: result.schema, path: i.path, line: lines[n] ?? '' }));
      });
  }

  test.each(caseFiles)('%s', (file) => {
    const rule = file.replace(/\.cases\.ts$/, '');
    expect(
      caseIssues(rule)
        .filter((i) => !isKnown(rule, i.schema, i.path))
        .map((i) => i.line),
    ).toEqual([]);
  });

  test.each(KNOWN_DEVIATIONS)('known deviation $file $path still occurs (drop the entry once the case is corrected)', (d) => {
    expect(caseIssues(d.file).some((i) => i.schema === d.schema && i.path === d.path)).toBe(true);
  });
});
