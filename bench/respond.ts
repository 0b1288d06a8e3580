/**
 * `npm run bench:respond`: containment time of an automated response. A trigger runs "Block
 * sign-in" under the auto-execute policy; each run stores a new event the way detection does
 * (the event, its entities and its outbox rows in one transaction) and measures until the
 * simulator has accepted the Graph PATCH that disables the account: outbox sender → responder →
 * approval policy → pg-boss `remediation.execute` → permission check → Graph over https.
 * Baseline: the same PATCH sent bare through the product's Graph client.
 *
 * Not included: collection and detection before the event is stored (see bench:collect and
 * bench:detect for those stages).
 *
 * BENCH_RUNS (default 20), DATABASE_URL (default: embedded PGlite in memory).
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fmt, header, percentile, reportFigure } from './util.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARMUP = 2;
const ACCOUNT = ['revoke-sessions', 'block-sign-in'];

/** Prints a series; answers its p95. */
function report(label: string, ms: number[]): number {
  const sorted = [...ms].sort((a, b) => a - b);
  console.log(
    `${label}: p50 ${fmt(percentile(sorted, 50), 1)} ms, p95 ${fmt(percentile(sorted, 95), 1)} ms, max ${fmt(sorted.at(-1)!, 1)} ms (${ms.length} runs)`,
  );
  return percentile(sorted, 95);
}

async function run() {
  const { eventEntity, remediationPolicy, securityEvent, trigger, triggerAction } = await import('../db/schema/index.ts');
  const { createAutoResponder } = await import('../services/core/remediation/auto-respond.ts');
  const { createLogger } = await import('../services/log.ts');
  const { graphClientFor } = await import('../services/microsoft/graph-client.ts');
  const { createTokenProvider } = await import('../services/microsoft/token-provider.ts');
  const { startNotify } = await import('../services/notify/index.ts');
  const { enqueueForEvents } = await import('../services/notify/outbox.ts');
  const { startM365Simulator } = await import('../services/sim/m365/index.ts');
  const { becScenario, collectorConsent, CONTOSO, BEC } = await import('../services/sim/m365/scenarios/index.ts');
  const { simulatorTls } = await import('../services/sim/m365/tls.ts');
  const { REMEDIATION_JOBS, remediationQueue } = await import('../services/worker/remediation-jobs.ts');
  const { startQueue, startWorkers, stopQueue } = await import('../services/worker/queue.ts');
  const { COLLECTOR_APP_ID, collectorApp } = await import('../test/helpers/m365-sim.ts');
  const { secrets } = await import('../test/helpers/app.ts');
  const { createTestDatabase } = await import('../test/helpers/database.ts');
  const { insertSimTenant, simConfig } = await import('../test/helpers/sim-tenant.ts');

  const handle = await createTestDatabase();
  const consent = collectorConsent(COLLECTOR_APP_ID);
  const sim = await startM365Simulator({
    tls: simulatorTls(),
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [
      becScenario({
        users: RUNS * 2 + WARMUP * 2 + 4,
        consents: [{ ...consent, roles: { ...consent.roles, graph: [...(consent.roles.graph ?? []), 'User.ReadWrite.All'] } }],
      }),
    ],
  });
  const row = await insertSimTenant(handle.database.db, CONTOSO.tenantId);
  const config = simConfig(sim.url, { TW_LOG_LEVEL: 'silent', TW_DEMO: 'off' });
  const log = createLogger(config);
  const tokens = createTokenProvider(config, secrets);
  const boss = await startQueue(handle.database, log, { schedule: false });
  await startWorkers(
    boss,
    REMEDIATION_JOBS,
    { database: handle.database, log, config, boss, tokens, secrets },
    { concurrency: 2, pollingIntervalSeconds: 0.5 },
  );
  const notify = await startNotify({
    database: handle.database,
    config,
    log,
    secrets,
    remediate: createAutoResponder({ db: handle.database.db, secrets, queue: remediationQueue(boss) }),
  });
  await handle.database.db.insert(remediationPolicy).values({ mspId: row.mspId, tenantId: row.id, action: 'block-sign-in', requireApproval: false });
  const [t] = await handle.database.db.insert(trigger).values({ mspId: row.mspId, name: 'Contain', condition: "Event.Severity >= 'high'" }).returning();
  await handle.database.db
    .insert(triggerAction)
    .values({ triggerId: t!.id, mspId: row.mspId, kind: 'remediation', config: { action: 'block-sign-in', entityKind: null } });

  const simTenant = sim.state.findTenant(CONTOSO.tenantId)!;
  const admins = new Set(simTenant.directory.roleAssignments.map((a) => a.principalId));
  const users = simTenant.users.filter((u) => u.userPrincipalName !== BEC.victimUpn && !admins.has(u.id) && u.accountEnabled !== false);
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise((r) => setTimeout(r, 2));
  };

  header('Automated response: event stored → Graph PATCH accepted (block sign-in, auto-execute)');
  const graph = graphClientFor({ config, tokens }, row);
  const bare: number[] = [];
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const user = users.pop()!;
    const start = performance.now();
    const answer = await graph.patch(`/users/${user.id}`, { accountEnabled: false });
    if (!answer.ok) throw new Error(`baseline PATCH failed: ${JSON.stringify(answer.failure)}`);
    if (i >= WARMUP) bare.push(performance.now() - start);
  }
  const bareP95 = report('bare Graph PATCH to the simulator (baseline)', bare);

  const ms: number[] = [];
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const user = users.pop()!;
    const start = performance.now();
    await handle.database.db.transaction(async (tx) => {
      const at = new Date();
      const [event] = await tx
        .insert(securityEvent)
        .values({
          mspId: row.mspId,
          tenantId: row.id,
          detectionId: 'M365.Exchange.InboxRuleExternalForwarding',
          title: 'Forwarding rule',
          description: 'bench',
          severity: 'high',
          userName: user.userPrincipalName,
          dedupKey: `bench:${i}`,
          firstSeenAt: at,
          lastSeenAt: at,
        })
        .returning();
      await tx
        .insert(eventEntity)
        .values({ eventId: event!.id, mspId: row.mspId, kind: 'user', key: user.userPrincipalName, remediations: ACCOUNT, isPrimary: true });
      await enqueueForEvents(tx, { mspId: row.mspId, eventIds: [event!.id] });
    });
    await until(() => user.accountEnabled === false);
    if (i >= WARMUP) ms.push(performance.now() - start);
  }
  const p95 = report('automated response, containment', ms);
  reportFigure({
    figure: `automated response p95, event commit → account blocked in the simulator (${handle.url ? 'postgres' : 'pglite'})`,
    value: Number(p95.toFixed(1)),
    unit: 'ms',
    baseline: 'bare Graph PATCH',
    baselineValue: Number(bareP95.toFixed(1)),
    command: 'npm run bench:respond',
  });
  console.log(`(database: ${handle.url ? 'Postgres' : 'PGlite'}; remediation workers poll every 0.5 s)`);

  await notify.stop();
  await stopQueue(boss, 5);
  await sim.close();
  await handle.drop();
}

if (process.env.BENCH_ROLE === 'run') {
  await run();
} else {
  // NODE_EXTRA_CA_CERTS is read at start: make the simulator's certificate, then run in a child that trusts it.
  const { setup, teardown } = await import('../services/sim/m365/tls-global-setup.ts');
  setup();
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { env: { ...process.env, BENCH_ROLE: 'run' }, stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  teardown();
  process.exitCode = code;
}
