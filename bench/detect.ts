/**
 * `npm run bench:detect`: the built-in detections over the baseline scenario's records (300
 * users, an ordinary day, normalised as the collector stores them). Prints records/s for
 * JSON.parse alone (a floor: every record is parsed once anyway), the rule evaluation
 * (evaluate.ts, stateless rules alone and all rules, batches of 1,000 as the queue sends them),
 * the same conditions in json-rules-engine, and the full engine with its database (PGlite, and
 * Postgres when DATABASE_URL is set). One process, one core.
 */
import { Engine, type RuleProperties, type TopLevelCondition } from 'json-rules-engine';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';
import { msp, tenant, type ActivitySource } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { normalizeRecord } from '../services/collector/normalize/index.ts';
import { detectActivity } from '../services/detection/engine.ts';
import { evaluateBatch, prepareRules, StateView } from '../services/detection/evaluate.ts';
import { LEGACY_CLIENT_APPS } from '../services/detection/records.ts';
import { findRule, RULES } from '../services/detection/registry.ts';
import { mergeSettings } from '../services/detection/settings.ts';
import type { DetectionRecord, RegisteredRule, TenantContext } from '../services/detection/types.ts';
import { contentTypeForRecord } from '../services/sim/m365/records.ts';
import { baselineScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { fmt, header, reportFigure } from './util.ts';

const BATCH = 1000;
const MIN_MS = 1500;

/** The baseline day's records per source, as plain JSON (what the feeds deliver). */
function baselineRecords(): { source: ActivitySource; raw: unknown }[] {
  const s = baselineScenario({ consents: [collectorConsent('5b0c0c38-7d2f-4c35-9a2e-6f1f6a0c1a11')] });
  const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
  return [
    ...(s.audit ?? []).map((a) => ({ source: contentTypeForRecord(a.record) as ActivitySource, raw: plain(a.record) })),
    ...(s.signIns ?? []).map((raw) => ({ source: 'graph.signIns' as const, raw: plain(raw) })),
    ...(s.directoryAudits ?? []).map((raw) => ({ source: 'graph.directoryAudits' as const, raw: plain(raw) })),
    ...(s.alerts ?? []).map((raw) => ({ source: 'graph.alerts_v2' as const, raw: plain(raw) })),
    ...(s.riskDetections ?? []).map((raw) => ({ source: 'graph.riskDetections' as const, raw: plain(raw) })),
    ...(s.riskyUsers ?? []).map((raw) => ({ source: 'graph.riskyUsers' as const, raw: plain(raw) })),
  ];
}

/** Repeats `run` (one pass over `count` records) for at least MIN_MS; records per second. */
async function rate(count: number, run: () => unknown): Promise<number> {
  await run();
  let passes = 0;
  const start = performance.now();
  while (performance.now() - start < MIN_MS) {
    await run();
    passes += 1;
  }
  return (passes * count) / ((performance.now() - start) / 1000);
}

// ------------------------------------------------------------------------------------------
// The same conditions in json-rules-engine: the built-in rules whose `match` is a plain test
// on record fields. The others parse text (recipients and tenant domains for forwarding and
// mail-flow rules, scopes inside ConsentAction.Permissions, folder heuristics), read windows
// of earlier records, or need IP intelligence, which json-rules-engine has no notion of.

const eq = (fact: string, value: unknown, path?: string) => ({ fact, operator: 'equal', value, ...(path ? { path } : {}) });
const isIn = (fact: string, value: readonly unknown[], path?: string) => ({ fact, operator: 'in', value: [...value], ...(path ? { path } : {}) });
const param = (name: string) => `$.Parameters[?(@.Name=='${name}')].Value`;
const ok = { any: [isIn('result', ['True', 'Success', 'success', 'Succeeded'])] };
const signInOps = (id: string) => isIn('operation', (findRule(id)!.on.operations as readonly string[]) ?? []);

const JRE_RULES: Record<string, TopLevelCondition> = {
  'M365.AzureAD.LegacyAuthSignIn': {
    all: [
      eq('source', 'graph.signIns'),
      eq('raw', 0, '$.status.errorCode'),
      { fact: 'raw', path: '$.clientAppUsed', operator: 'inLowerCase', value: [...LEGACY_CLIENT_APPS] },
    ],
  },
  'M365.AzureAD.AccountLockedOut': {
    any: [
      { all: [eq('source', 'graph.signIns'), eq('raw', 50053, '$.status.errorCode')] },
      { all: [eq('operation', 'UserLoginFailed'), eq('raw', '50053', '$.ErrorNumber')] },
    ],
  },
  'M365.AzureAD.BreakGlassSignIn': { all: [signInOps('M365.AzureAD.BreakGlassSignIn'), isIn('actorUpn', ['breakglass.01@contoso.onmicrosoft.com'])] },
  'M365.Exchange.MailboxPermissionGranted': {
    all: [
      isIn('operation', ['Add-MailboxPermission', 'Add-RecipientPermission']),
      ok,
      {
        any: [
          { fact: 'raw', path: param('AccessRights'), operator: 'contains', value: 'FullAccess' },
          { fact: 'raw', path: param('AccessRights'), operator: 'contains', value: 'SendAs' },
        ],
      },
    ],
  },
  'M365.Exchange.AuditLoggingDisabled': {
    any: [
      {
        all: [
          eq('operation', 'Set-AdminAuditLogConfig'),
          { fact: 'raw', path: param('UnifiedAuditLogIngestionEnabled'), operator: 'contains', value: 'False' },
        ],
      },
      { all: [eq('operation', 'Set-MailboxAuditBypassAssociation'), { fact: 'raw', path: param('AuditBypassEnabled'), operator: 'contains', value: 'True' }] },
      { all: [eq('operation', 'Set-Mailbox'), { fact: 'raw', path: param('AuditEnabled'), operator: 'contains', value: 'False' }] },
    ],
  },
  'M365.Exchange.MailboxFolderPermissionOpened': {
    all: [
      isIn('operation', ['Add-MailboxFolderPermission', 'Set-MailboxFolderPermission']),
      ok,
      { fact: 'raw', path: param('User'), operator: 'containsAnyLowerCase', value: ['default', 'anonymous'] },
      {
        fact: 'raw',
        path: param('AccessRights'),
        operator: 'containsAnyLowerCase',
        value: ['owner', 'publishingeditor', 'editor', 'publishingauthor', 'author', 'noneditingauthor', 'reviewer', 'readitems'],
      },
    ],
  },
  'M365.AzureAD.GuestAssignedRole': {
    all: [isIn('operation', ['Add member to role.', 'Add member to role']), ok, { fact: 'target', operator: 'includesText', value: '#ext#@' }],
  },
  'M365.AzureAD.UserConsentOpened': {
    all: [
      isIn('operation', ['Update authorization policy.', 'Update authorization policy']),
      ok,
      { fact: 'raw', path: '$.ModifiedProperties[*].NewValue', operator: 'anyIncludesText', value: 'microsoft-user-default-legacy' },
    ],
  },
  'M365.AzureAD.AppCredentialsAdded': { all: [isIn('operation', findRule('M365.AzureAD.AppCredentialsAdded')!.on.operations as string[]), ok] },
  'M365.AzureAD.ConditionalAccessPolicyChanged': {
    all: [isIn('operation', findRule('M365.AzureAD.ConditionalAccessPolicyChanged')!.on.operations as string[]), ok],
  },
  'M365.SharePoint.AnonymousLinkCreated': { all: [isIn('operation', ['AnonymousLinkCreated', 'AnonymousLinkUpdated'])] },
  'M365.Compliance.EDiscoverySearch': { all: [isIn('operation', findRule('M365.Compliance.EDiscoverySearch')!.on.operations as string[])] },
  'M365.Defender.Alert': { all: [eq('source', 'graph.alerts_v2'), isIn('raw', ['new', 'inProgress'], '$.status')] },
};

function jsonRulesEngine(): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true });
  const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
  engine.addOperator('inLowerCase', (fact: unknown, values: unknown) => (values as string[]).includes(lower(fact) as string));
  engine.addOperator('includesText', (fact: unknown, text: unknown) => typeof fact === 'string' && fact.toLowerCase().includes(text as string));
  engine.addOperator('anyIncludesText', (fact: unknown, text: unknown) =>
    list(fact).some((v) => typeof v === 'string' && v.toLowerCase().includes(text as string)),
  );
  engine.addOperator('containsAnyLowerCase', (fact: unknown, values: unknown) => list(fact).some((v) => (values as string[]).includes(lower(v) as string)));
  for (const [id, conditions] of Object.entries(JRE_RULES)) engine.addRule({ name: id, conditions, event: { type: id } } satisfies RuleProperties);
  return engine;
}

// ------------------------------------------------------------------------------------------

async function engineRate(label: string, databaseUrl: string | undefined, records: { source: ActivitySource; raw: unknown }[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-detect-'));
  const { createPostgresDatabase, dropPostgresDatabase } = await import('../test/helpers/database.ts');
  const url = databaseUrl ? await createPostgresDatabase(databaseUrl) : undefined;
  const database = await openDatabase(url ? { databaseUrl: url, poolSize: 4 } : { dataDir: dir });
  try {
    await database.migrate();
    const [m] = await database.db.insert(msp).values({ name: 'bench' }).returning();
    const [t] = await database.db
      .insert(tenant)
      .values({ mspId: m!.id, tenantGuid: CONTOSO.tenantId, name: 'Contoso', primaryDomain: CONTOSO.domain, authMode: 'secret', clientId: 'bench' })
      .returning();
    const ids: string[] = [];
    const bySource = new Map<ActivitySource, unknown[]>();
    for (const r of records) (bySource.get(r.source) ?? bySource.set(r.source, []).get(r.source)!).push(r.raw);
    for (const [source, raws] of bySource) ids.push(...(await ingestRecords(database.db, { mspId: m!.id, tenantId: t!.id }, source, raws)).insertedIds);
    const start = performance.now();
    for (let i = 0; i < ids.length; i += BATCH) await detectActivity({ db: database.db }, ids.slice(i, i + BATCH));
    const seconds = (performance.now() - start) / 1000;
    console.log(`  full engine, ${label}: ${fmt(ids.length / seconds)} records/s (${ids.length} activities in batches of ${BATCH}: claim, state, events)`);
    reportFigure({
      figure: `detection engine with the database (${label})`,
      value: Math.round(ids.length / seconds),
      unit: 'records/s',
      command: 'npm run bench:detect',
    });
  } finally {
    await database.close();
    if (url && databaseUrl) await dropPostgresDatabase(databaseUrl, url);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runDetectBenchmark(): Promise<void> {
  header('Detection (npm run bench:detect): the baseline scenario, 300 users, one day');
  const raw = baselineRecords();
  const records: DetectionRecord[] = raw.map((r, i) => {
    const n = normalizeRecord(r.source, r.raw);
    if (!n.ok) throw new Error(`baseline record ${i} does not normalise: ${n.reason}`);
    return { ...n.activity, activityId: `a${i}`, tenantId: 't', source: r.source, raw: r.raw };
  });
  console.log(`  ${records.length} records (${[...new Set(records.map((r) => r.source))].join(', ')})`);

  const texts = raw.map((r) => JSON.stringify(r.raw));
  console.log(`  JSON.parse only: ${fmt(await rate(texts.length, () => texts.forEach((t) => JSON.parse(t))))} records/s`);

  const settings = mergeSettings({ breakGlassAccounts: ['breakglass.01@contoso.onmicrosoft.com'] });
  const tenantContext: TenantContext = {
    id: 't',
    domains: new Set([CONTOSO.domain, CONTOSO.initialDomain]),
    breakGlassAccounts: new Set(settings.breakGlassAccounts),
    userCount: null,
  };
  const evaluate = (rules: readonly RegisteredRule[]) => {
    const prepared = prepareRules(rules, settings);
    return () => {
      for (let i = 0; i < records.length; i += BATCH) evaluateBatch(records.slice(i, i + BATCH), prepared, tenantContext, new StateView());
    };
  };
  const stateless = RULES.filter((r) => !r.reads?.length);
  const expressed = RULES.filter((r) => r.id in JRE_RULES);
  const ours = {
    stateless: await rate(records.length, evaluate(stateless)),
    all: await rate(records.length, evaluate(RULES)),
    expressed: await rate(records.length, evaluate(expressed)),
  };
  console.log(`  rule evaluation, ${stateless.length} stateless rules: ${fmt(ours.stateless)} records/s`);
  console.log(`  rule evaluation, all ${RULES.length} rules (windows from the batch): ${fmt(ours.all)} records/s`);

  const engine = jsonRulesEngine();
  const facts = records.map((r) => ({
    source: r.source,
    operation: r.operation,
    result: r.result ?? (r.source.startsWith('graph.') ? 'success' : null),
    actorUpn: r.actorUpn,
    target: r.target?.toLowerCase() ?? null,
    raw: r.raw,
  }));
  const jre = await rate(facts.length, async () => {
    for (const f of facts) await engine.run(f);
  });
  // The same verdicts on this day: both count the records that raise at least one of these rules.
  const preparedExpressed = prepareRules(expressed, settings);
  let ourHits = 0;
  for (let i = 0; i < records.length; i += BATCH)
    ourHits += new Set(evaluateBatch(records.slice(i, i + BATCH), preparedExpressed, tenantContext, new StateView()).map((m) => m.record.activityId)).size;
  let jreHits = 0;
  for (const f of facts) if ((await engine.run(f)).events.length > 0) jreHits += 1;
  console.log(`  the ${expressed.length} rules json-rules-engine can express (${expressed.map((r) => r.id.split('.').pop()).join(', ')}):`);
  console.log(
    `    evaluate.ts ${fmt(ours.expressed)} records/s, json-rules-engine ${fmt(jre)} records/s: ${(ours.expressed / jre).toFixed(0)}x (records matched: ${ourHits} and ${jreHits})`,
  );
  reportFigure({
    figure: `rule evaluation, the ${expressed.length} rules json-rules-engine can express`,
    value: Math.round(ours.expressed),
    unit: 'records/s',
    baseline: 'json-rules-engine',
    baselineValue: Math.round(jre),
    command: 'npm run bench:detect',
  });
  reportFigure({ figure: `rule evaluation, all ${RULES.length} rules`, value: Math.round(ours.all), unit: 'records/s', command: 'npm run bench:detect' });

  await engineRate('PGlite', undefined, raw);
  if (process.env.DATABASE_URL) await engineRate('Postgres', process.env.DATABASE_URL, raw);
}

await runDetectBenchmark();
