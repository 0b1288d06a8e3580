import type { Command } from 'commander';
import { eq } from 'drizzle-orm';
import { msp, tenant as tenantTable } from '../../../db/schema/index.ts';
import { listCustomDetections } from '../../core/custom-detection/list-custom-detections.ts';
import { testCustomDetection, testEventExpression } from '../../core/custom-detection/test-expression.ts';
import { RULES } from '../../detection/registry.ts';
import { systemCtx } from '../context.ts';
import { type CommandHost, print, printTable } from '../io.ts';
import { mspOption, parseAge, TENANT_HELP } from '../options.ts';
import { resolveTenant } from '../resolve-tenant.ts';

export function registerRulesCommands(program: Command, host: CommandHost) {
  const rules = program.command('rules');
  rules
    .command('list')
    .description("list the detections: the built-in ones and the MSP's custom detections (marked custom)")
    .option('--json', 'print JSON')
    .option('--tenant <tenant>', 'only the custom detections that run for this tenant (its own and those for every tenant)')
    .addOption(mspOption())
    .action((opts: { json?: boolean; tenant?: string; msp?: string }) =>
      host.run('rules list', async ({ io, database, config }) => {
        // On a fresh install (no MSP yet) there are only the built-ins to show.
        const [anyMsp] = await database.db.select({ id: msp.id }).from(msp).limit(1);
        const custom = [];
        if (anyMsp || opts.msp || opts.tenant) {
          const ctx = await systemCtx(database, config, opts.msp);
          const target = opts.tenant ? await resolveTenant(ctx, opts.tenant) : undefined;
          const names = new Map(
            (await database.db.select({ id: tenantTable.id, name: tenantTable.name }).from(tenantTable).where(eq(tenantTable.mspId, ctx.msp))).map((t) => [
              t.id,
              t.name,
            ]),
          );
          let cursor: string | undefined;
          do {
            const page = await listCustomDetections({ ctx, input: { limit: 500, cursor, tenantId: target?.id } });
            custom.push(...page.items.map((d) => ({ ...d, tenantName: d.tenantId ? (names.get(d.tenantId) ?? d.tenantId) : null })));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
        }
        if (opts.json) {
          return print(
            io,
            JSON.stringify(
              [
                ...RULES.map((r) => ({ id: r.id, title: r.title, severity: r.severity, mitre: r.mitre, custom: false })),
                ...custom.map((d) => ({
                  id: d.detectionId,
                  title: d.title,
                  severity: d.severity,
                  mitre: d.mitre,
                  custom: true,
                  tenantId: d.tenantId,
                  enabled: d.enabled,
                  expression: d.expression,
                })),
              ],
              null,
              2,
            ),
          );
        }
        printTable(
          io,
          ['ID', 'SEVERITY', 'MITRE', 'TITLE'],
          [
            ...RULES.map((r) => [r.id, r.severity, r.mitre.join(' '), r.title]),
            ...custom.map((d) => [
              d.detectionId,
              d.severity,
              d.mitre.join(' '),
              `${d.title} [custom, ${d.tenantName ?? 'every tenant'}${d.enabled ? '' : ', disabled'}]`,
            ]),
          ],
        );
      }),
    );

  rules
    .command('test')
    .description(
      'show which security events an expression matches, e.g. "Event.Detection = \'M365.AzureAD.PasswordSpray\'"; with --activity, which activity records a custom detection with it would match',
    )
    .argument('<expression>', 'a filter-language expression')
    .requiredOption('--tenant <tenant>', TENANT_HELP)
    .option('--since <age>', 'how far back to look, e.g. 7d, 12h (at most 90d)', parseAge, 7 * 86_400_000)
    .option('--activity', "match the tenant's activity records, as a custom detection would")
    .addOption(mspOption())
    .action((expression: string, opts: { tenant: string; since: number; activity?: boolean; msp?: string }) =>
      host.run('rules test', async ({ io, database, config }) => {
        const ctx = await systemCtx(database, config, opts.msp);
        const target = await resolveTenant(ctx, opts.tenant);
        const input = { expression, tenantId: target.id, days: opts.since / 86_400_000, limit: 1000 };
        if (opts.activity) {
          const result = await testCustomDetection({ ctx, input });
          print(
            io,
            `${result.items.length}${result.truncated ? '+' : ''} of ${result.scanned} activity records of ${target.name} match${result.complete ? '' : ' (stopped reading at the limit)'}.`,
          );
          if (result.items.length > 0) {
            printTable(
              io,
              ['TIME', 'OPERATION', 'EVENT TYPE', 'RESULT', 'USER', 'ADDRESS'],
              result.items
                .slice(0, 50)
                .map((r) => [
                  r.occurredAt.slice(0, 16).replace('T', ' '),
                  r.operation,
                  r.eventType ?? '',
                  r.operationResult ?? '',
                  r.userName ?? '',
                  r.networkAddress ?? '',
                ]),
            );
          }
          return;
        }
        const result = await testEventExpression({ ctx, input });
        print(io, `${result.items.length}${result.truncated ? '+' : ''} events of ${target.name} match.`);
        if (result.items.length > 0) {
          printTable(
            io,
            ['LAST SEEN', 'DETECTION', 'USER', 'STATUS', 'TITLE'],
            result.items
              .slice(0, 50)
              .map((r) => [r.lastSeenAt.toISOString().slice(0, 16).replace('T', ' '), r.detectionId, r.userName ?? '', r.status, r.title]),
          );
        }
      }),
    );
}
