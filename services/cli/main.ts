import { readFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { and, eq, sql } from 'drizzle-orm';
import { appUser, msp, tenant as tenantTable, USER_ROLES } from '../../db/schema/index.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createApiToken } from '../core/api-token/create-api-token.ts';
import { setupPath } from '../core/auth/setup-tokens.ts';
import { createTenant } from '../core/tenant/create-tenant.ts';
import { listTenants } from '../core/tenant/list-tenants.ts';
import { inviteUser } from '../core/user/invite-user.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { startRuntime } from '../runtime.ts';
import { collectTenant, COLLECTED_SOURCES } from '../collector/collect-tenant.ts';
import { importAuditExport } from '../core/import/import-audit-export.ts';
import { formatImportSummary, importExitCode } from '../collector/import/import-summary.ts';
import { createIpIntel } from '../../enrichment/ip/index.ts';
import { eventsWithPendingEntities } from '../../enrichment/stage.ts';
import { PIPELINE_JOBS, sendForEnrichment } from '../worker/pipeline-jobs.ts';
import { ensureQueues, startQueue, stopQueue } from '../worker/queue.ts';
import { createTokenProvider } from '../collector/microsoft/token-provider.ts';
import { verifyTenant } from '../collector/verify-tenant.ts';
import { getTenant } from '../core/tenant/get-tenant.ts';
import { listCustomDetections } from '../core/custom-detection/list-custom-detections.ts';
import { testCustomDetection, testEventExpression } from '../core/custom-detection/test-expression.ts';
import { RULES } from '../detection/registry.ts';
import { createLogger } from '../log.ts';
import { UnrecognisedExportError } from '../collector/import/read-audit-file.ts';
import { systemCtx, withDatabase } from './context.ts';
import { resolveTenant } from './resolve-tenant.ts';
import { openApiDocument } from '../api/openapi.ts';

// `tenantwatch tenant list | head`: a closed pipe ends the command quietly, as for any Unix tool.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('tenantwatch')
  .description('Microsoft 365 security monitoring for MSPs')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

const roleOption = () =>
  new Option('--role <role>', 'owner, admin, technician or read-only').argParser((v) => {
    const role = v.replace('-', '_');
    if (!(USER_ROLES as readonly string[]).includes(role)) throw new InvalidArgumentError('expected owner, admin, technician or read-only');
    return role as (typeof USER_ROLES)[number];
  });
const mspOption = () => new Option('--msp <id>', 'the MSP to act on (needed only when there are several)');

program
  .command('start')
  .description('run Tenantwatch: web app, API and workers in one process')
  .action(async () => {
    const runtime = await startRuntime(loadConfig());
    let signals = 0;
    const onSignal = (signal: string) => {
      signals += 1;
      if (signals > 1) {
        runtime.log.warn({ signal }, 'second signal: exiting now; in-flight jobs will be retried after their expiry');
        process.exit(1);
      }
      runtime.log.info({ signal }, 'shutting down gracefully (send again to force)');
      runtime.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          runtime.log.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(() => withDatabase(async (database) => console.log(`migrations applied (${database.kind})`)));

const user = program.command('user').description('manage users');
user
  .command('create')
  .description('add a user and print their one-time setup link')
  .requiredOption('--email <email>', 'their sign-in email')
  .addOption(roleOption().makeOptionMandatory())
  .option('--name <name>', 'their name', '')
  .addOption(mspOption())
  .action((opts: { email: string; role: (typeof USER_ROLES)[number]; name: string; msp?: string }) =>
    withDatabase(async (database, config) => {
      const ctx = await systemCtx(database, config, opts.msp);
      const { user: created, setupToken } = await inviteUser({ ctx, input: { email: opts.email, role: opts.role, name: opts.name } });
      console.log(`Created ${created.email} (${created.role.replace('_', '-')}). Send them this one-time setup link (valid 7 days):`);
      console.log(config.publicUrl + setupPath(setupToken));
    }),
  );

const token = program.command('token').description('manage API tokens');
token
  .command('create')
  .description('create an API token for a user and print it (shown only once)')
  .requiredOption('--email <email>', 'the user the token acts for')
  .requiredOption('--name <name>', 'what the token is for, e.g. "PSA sync"')
  .addOption(roleOption())
  .option('--expires-days <days>', 'days until it stops working (default: never)', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number of days');
    return n;
  })
  .action((opts: { email: string; name: string; role?: (typeof USER_ROLES)[number]; expiresDays?: number }) =>
    withDatabase(async (database, config) => {
      const [owner] = await database.db
        .select({ id: appUser.id, mspId: appUser.mspId })
        .from(appUser)
        .where(and(eq(sql`lower(${appUser.email})`, opts.email.trim().toLowerCase())))
        .limit(1);
      if (!owner) throw new NotFoundError(`No user with the email ${opts.email}.`);
      const ctx = await systemCtx(database, config, owner.mspId);
      const created = await createApiToken({ ctx, userId: owner.id, input: { name: opts.name, role: opts.role, expiresInDays: opts.expiresDays } });
      console.error(`Token "${created.name}" (${created.role.replace('_', '-')}) created. It is shown only now; store it safely:`);
      console.log(created.token);
    }),
  );

const tenant = program.command('tenant').description('manage Microsoft 365 tenants');
tenant
  .command('add')
  .description('add a customer tenant')
  .requiredOption('--tenant-id <guid>', 'the Microsoft 365 (Entra) tenant id')
  .requiredOption('--name <name>', 'display name, e.g. "Contoso Ltd"')
  .requiredOption('--domain <domain>', 'primary domain, e.g. contoso.com')
  .option('--client-id <guid>', "the tenant's own app registration (omit to use admin consent to the MSP app)")
  .option('--client-secret <secret>', 'client secret of that app (or set TW_CLIENT_SECRET to keep it out of shell history)')
  .option('--certificate-key <file>', 'PEM private key of the certificate registered on that app')
  .option('--thumbprint <hex>', "the certificate's SHA-1 thumbprint")
  .addOption(mspOption())
  .action(
    (opts: { tenantId: string; name: string; domain: string; clientId?: string; clientSecret?: string; certificateKey?: string; thumbprint?: string; msp?: string }) =>
      withDatabase(async (database, config) => {
        const ctx = await systemCtx(database, config, opts.msp);
        const secret = opts.clientSecret ?? process.env.TW_CLIENT_SECRET;
        const auth = !opts.clientId
          ? ({ mode: 'consent' } as const)
          : opts.certificateKey
            ? ({ mode: 'certificate', clientId: opts.clientId, privateKeyPem: readFileSync(opts.certificateKey, 'utf8'), thumbprint: opts.thumbprint ?? '' } as const)
            : ({ mode: 'secret', clientId: opts.clientId, clientSecret: secret ?? '' } as const);
        const created = await createTenant({ ctx, input: { tenantGuid: opts.tenantId, name: opts.name, primaryDomain: opts.domain, auth } });
        console.log(`Added ${created.name} (${created.tenantGuid}), id ${created.id}, authentication: ${created.authMode}.`);
      }),
  );
tenant
  .command('list')
  .description('list tenants')
  .option('--json', 'print JSON')
  .addOption(mspOption())
  .action((opts: { json?: boolean; msp?: string }) =>
    withDatabase(async (database, config) => {
      const ctx = await systemCtx(database, config, opts.msp);
      const items = [];
      let cursor: string | undefined;
      do {
        const page = await listTenants({ ctx, input: { limit: 500, cursor } });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      if (opts.json) return console.log(JSON.stringify(items, null, 2));
      if (items.length === 0) return console.log('No tenants yet. Add one with `tenantwatch tenant add`.');
      const rows = items.map((t) => [t.name + (t.isDemo ? ' (demo)' : ''), t.tenantGuid, t.primaryDomain, t.authMode, t.status]);
      printTable(['NAME', 'TENANT ID', 'DOMAIN', 'AUTH', 'STATUS'], rows);
    }),
  );

tenant
  .command('verify')
  .description('sign in to the tenant, check the granted permissions (what is missing, in plain words) and start the audit subscriptions')
  .requiredOption('--tenant <tenant>', 'tenant id, Microsoft tenant id, primary domain or name')
  .addOption(mspOption())
  .action((opts: { tenant: string; msp?: string }) =>
    withDatabase(async (database, config) => {
      const ctx = await systemCtx(database, config, opts.msp);
      const target = await resolveTenant(ctx, opts.tenant);
      const report = await verifyTenant({ db: database.db, config, tokens: createTokenProvider(config, ctx.secrets), secrets: ctx.secrets }, target.id);
      console.log(`${target.name}: ${report.status === 'active' ? 'signed in' : 'could not sign in'}`);
      const apiNames = { graph: 'Microsoft Graph', manage: 'Management Activity API', exchange: 'Exchange Online admin API' } as const;
      for (const e of report.signInErrors) console.log(`  ${apiNames[e.api]}: ${e.message}`);
      for (const g of report.granted) console.log(`  granted  ${g.permission}`);
      for (const m of report.missing) console.log(`  MISSING  ${m.permission} (${m.apiName}): ${m.without}`);
      for (const sub of report.subscriptions) {
        console.log(`  audit subscription ${sub.contentType}: ${sub.status}${sub.webhook ? ' with notifications' : ''}${sub.message ? ` (${sub.message})` : ''}`);
      }
      if (report.status === 'error' || report.missing.length > 0) process.exitCode = 1;
    }),
  );
tenant
  .command('status')
  .description('collection status of a tenant, source by source')
  .requiredOption('--tenant <tenant>', 'tenant id, Microsoft tenant id, primary domain or name')
  .option('--json', 'print JSON')
  .addOption(mspOption())
  .action((opts: { tenant: string; json?: boolean; msp?: string }) =>
    withDatabase(async (database, config) => {
      const ctx = await systemCtx(database, config, opts.msp);
      const view = await getTenant({ ctx, id: (await resolveTenant(ctx, opts.tenant)).id });
      if (opts.json) return console.log(JSON.stringify(view, null, 2));
      console.log(`${view.name} (${view.tenantGuid}): ${view.status}`);
      if (view.collectors.length === 0) return console.log('Not collected yet.');
      const ago = (iso: string | null) => (iso ? `${Math.round((Date.now() - Date.parse(iso)) / 60_000)} min ago` : 'never');
      printTable(
        ['SOURCE', 'LAST SUCCESS', 'LAG', 'LAST ERROR'],
        view.collectors.map((c) => [c.source, ago(c.lastSuccessAt), c.lagSeconds === null ? '-' : `${Math.round(c.lagSeconds / 60)} min`, c.lastError ?? '']),
      );
    }),
  );

program
  .command('collect')
  .description('collect a tenant now (back-fills up to 7 days on first run)')
  .requiredOption('--tenant <tenant>', 'tenant id, Microsoft tenant id, primary domain or name')
  .option('--since <age>', 'reach back this far, e.g. 7d, 12h (default: from the last checkpoint)', parseAge)
  .addOption(mspOption())
  .action((opts: { tenant: string; since?: number; msp?: string }) =>
    withDatabase(async (database, config) => {
      const ctx = await systemCtx(database, config, opts.msp);
      const target = await resolveTenant(ctx, opts.tenant);
      const log = createLogger({ logLevel: 'silent' });
      const now = Date.now();
      const since = opts.since ? new Date(now - opts.since) : undefined;
      const span = now - (since?.getTime() ?? now - config.collect.backfillDays * 86_400_000);
      const bar = process.stderr.isTTY
        ? new SingleBar({ format: 'collecting [{bar}] {percentage}% | {sources} sources', stream: process.stderr, hideCursor: true }, Presets.shades_classic)
        : null;
      const reached = new Map<string, number>();
      bar?.start(100, 0, { sources: 0 });
      const results = await collectTenant({ db: database.db, config, tokens: createTokenProvider(config, ctx.secrets), log }, target.id, {
        force: true,
        since,
        onProgress: (source, windowEnd) => {
          reached.set(source, windowEnd.getTime());
          const done = [...reached.values()].reduce((sum, t) => sum + Math.min(1, 1 - (now - t) / span), 0) / COLLECTED_SOURCES.length;
          bar?.update(Math.max(0, Math.round(done * 100)), { sources: reached.size });
        },
      });
      bar?.stop();
      let failed = 0;
      for (const r of results) {
        if (r.status === 'collected') console.log(`${r.source}: ${r.inserted} new records (${r.duplicates} already stored, ${r.quarantined} quarantined)`);
        else if (r.status === 'failed') {
          failed += 1;
          console.log(`${r.source}: FAILED, ${r.error}`);
        }
      }
      if (failed > 0) process.exitCode = 1;
    }),
  );

const rules = program.command('rules').description('detections');
rules
  .command('list')
  .description("list the detections: the built-in ones and the MSP's custom detections (marked custom)")
  .option('--json', 'print JSON')
  .option('--tenant <tenant>', 'only the custom detections that run for this tenant (its own and those for every tenant)')
  .addOption(mspOption())
  .action((opts: { json?: boolean; tenant?: string; msp?: string }) =>
    withDatabase(async (database, config) => {
      // On a fresh install (no MSP yet) there are only the built-ins to show.
      const [anyMsp] = await database.db.select({ id: msp.id }).from(msp).limit(1);
      const custom = [];
      if (anyMsp || opts.msp || opts.tenant) {
        const ctx = await systemCtx(database, config, opts.msp);
        const target = opts.tenant ? await resolveTenant(ctx, opts.tenant) : undefined;
        const names = new Map((await database.db.select({ id: tenantTable.id, name: tenantTable.name }).from(tenantTable).where(eq(tenantTable.mspId, ctx.msp))).map((t) => [t.id, t.name]));
        let cursor: string | undefined;
        do {
          const page = await listCustomDetections({ ctx, input: { limit: 500, cursor, tenantId: target?.id } });
          custom.push(...page.items.map((d) => ({ ...d, tenantName: d.tenantId ? (names.get(d.tenantId) ?? d.tenantId) : null })));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      }
      if (opts.json) {
        return console.log(
          JSON.stringify(
            [
              ...RULES.map((r) => ({ id: r.id, title: r.title, severity: r.severity, mitre: r.mitre, custom: false })),
              ...custom.map((d) => ({ id: d.detectionId, title: d.title, severity: d.severity, mitre: d.mitre, custom: true, tenantId: d.tenantId, enabled: d.enabled, expression: d.expression })),
            ],
            null,
            2,
          ),
        );
      }
      printTable(['ID', 'SEVERITY', 'MITRE', 'TITLE'], [
        ...RULES.map((r) => [r.id, r.severity, r.mitre.join(' '), r.title]),
        ...custom.map((d) => [d.detectionId, d.severity, d.mitre.join(' '), `${d.title} [custom, ${d.tenantName ?? 'every tenant'}${d.enabled ? '' : ', disabled'}]`]),
      ]);
    }),
  );

rules
  .command('test')
  .description("show which security events an expression matches, e.g. \"Event.Detection = 'M365.AzureAD.PasswordSpray'\"; with --activity, which activity records a custom detection with it would match")
  .argument('<expression>', 'a filter-language expression')
  .requiredOption('--tenant <tenant>', 'tenant id, Microsoft tenant id, primary domain or name')
  .option('--since <age>', 'how far back to look, e.g. 7d, 12h (at most 90d)', parseAge, 7 * 86_400_000)
  .option('--activity', "match the tenant's activity records, as a custom detection would")
  .addOption(mspOption())
  .action((expression: string, opts: { tenant: string; since: number; activity?: boolean; msp?: string }) =>
    withDatabase(async (database, config) => {
      const ctx = await systemCtx(database, config, opts.msp);
      const target = await resolveTenant(ctx, opts.tenant);
      const input = { expression, tenantId: target.id, days: opts.since / 86_400_000, limit: 1000 };
      if (opts.activity) {
        const result = await testCustomDetection({ ctx, input });
        console.log(`${result.items.length}${result.truncated ? '+' : ''} of ${result.scanned} activity records of ${target.name} match${result.complete ? '' : ' (stopped reading at the limit)'}.`);
        if (result.items.length > 0) {
          printTable(
            ['TIME', 'OPERATION', 'EVENT TYPE', 'RESULT', 'USER', 'ADDRESS'],
            result.items.slice(0, 50).map((r) => [r.occurredAt.slice(0, 16).replace('T', ' '), r.operation, r.eventType ?? '', r.operationResult ?? '', r.userName ?? '', r.networkAddress ?? '']),
          );
        }
        return;
      }
      const result = await testEventExpression({ ctx, input });
      console.log(`${result.items.length}${result.truncated ? '+' : ''} events of ${target.name} match.`);
      if (result.items.length > 0) {
        printTable(
          ['LAST SEEN', 'DETECTION', 'USER', 'STATUS', 'TITLE'],
          result.items.slice(0, 50).map((r) => [r.lastSeenAt.toISOString().slice(0, 16).replace('T', ' '), r.detectionId, r.userName ?? '', r.status, r.title]),
        );
      }
    }),
  );

program
  .command('import')
  .description(
    'import an audit export (Purview CSV, Search-UnifiedAuditLog JSON, JSON lines) into a tenant, for investigations; the detections run over the imported records and their events are queued for enrichment',
  )
  .argument('<file>', 'the export file')
  .requiredOption('--tenant <tenant>', 'tenant id, Microsoft tenant id, primary domain or name')
  .addOption(mspOption())
  .action((file: string, opts: { tenant: string; msp?: string }) =>
    withDatabase(async (database, config) => {
      const ctx = await systemCtx(database, config, opts.msp);
      const target = await resolveTenant(ctx, opts.tenant);
      const log = createLogger({ logLevel: 'silent' });
      const bar = process.stderr.isTTY
        ? new SingleBar({ format: 'importing [{bar}] {percentage}% | {read} records | {detected} through detection, {events} events', stream: process.stderr, hideCursor: true }, Presets.shades_classic)
        : null;
      // Rules that read IP intelligence see the same data as for collected records.
      const ipIntel = createIpIntel(config.ipIntel);
      bar?.start(100, 0, { read: 0, detected: 0, events: 0 });
      try {
        const { summary } = await importAuditExport({
          ctx,
          deps: { log, ipIntel },
          input: { tenantId: target.id, path: file },
          onProgress: (p) => bar?.update(p.size > 0 ? Math.min(100, Math.round((p.bytesRead / p.size) * 100)) : 100, { read: p.read, detected: p.detected, events: p.events }),
        });
        bar?.stop();
        for (const line of formatImportSummary(summary, { tenant: target.name, file })) console.log(line);
        process.exitCode = importExitCode(summary);
        const d = summary.detection;
        // Enrichment runs in the product's workers (now, if it is running; else when it starts).
        const pending = await eventsWithPendingEntities(database.db, d.eventIds);
        if (pending.length > 0) {
          const boss = await startQueue(database, log, { schedule: false });
          try {
            await ensureQueues(boss, PIPELINE_JOBS);
            const queued = await sendForEnrichment(boss, pending);
            console.log(`Enrichment: ${queued} events queued for the workers.`);
          } finally {
            await stopQueue(boss, 5);
          }
        }
      } finally {
        bar?.stop();
        await ipIntel.close();
      }
    }),
  );

program
  .command('openapi')
  .description('print the OpenAPI document')
  .action(() => console.log(JSON.stringify(openApiDocument(), null, 2)));

/** `7d`, `12h`, `30m` → milliseconds. */
function parseAge(value: string): number {
  const match = /^(\d+)\s*([dhm])$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected an age such as 7d, 12h or 30m');
  const n = Number(match[1]);
  return n * { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
}

function printTable(head: string[], rows: string[][]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [head, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has already printed the message (or the help, which exits 0).
    process.exit(err.exitCode);
  }
  if (err instanceof AppError || err instanceof ConfigError || err instanceof UnrecognisedExportError) {
    console.error(`tenantwatch: ${err.message}`);
  } else if (err instanceof Error && 'issues' in err) {
    console.error(`tenantwatch: ${(err as { issues: { path: PropertyKey[]; message: string }[] }).issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
  } else if (err instanceof Error && 'code' in err && err.code === 'ENOENT') {
    console.error(`tenantwatch: file not found: ${(err as Error & { path?: string }).path ?? err.message}`);
  } else {
    console.error(`tenantwatch: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.exit(1);
}
