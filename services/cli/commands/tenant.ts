import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createTokenProvider } from '../../microsoft/token-provider.ts';
import { createTenant } from '../../core/tenant/create-tenant.ts';
import { getTenant } from '../../core/tenant/get-tenant.ts';
import { listTenants } from '../../core/tenant/list-tenants.ts';
import { verifyTenant } from '../../core/tenant/verify-tenant.ts';
import { systemCtx } from '../context.ts';
import { type CommandHost, print, printTable } from '../io.ts';
import { mspOption, TENANT_HELP } from '../options.ts';
import { resolveTenant } from '../resolve-tenant.ts';

export function registerTenantCommands(program: Command, host: CommandHost) {
  const tenant = program.command('tenant');
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
    .option('--import-only', 'no Microsoft credentials: the tenant holds imported exports only and is never collected')
    .addOption(mspOption())
    .action(
      (opts: {
        tenantId: string;
        name: string;
        domain: string;
        clientId?: string;
        clientSecret?: string;
        certificateKey?: string;
        thumbprint?: string;
        importOnly?: boolean;
        msp?: string;
      }) =>
        host.run(
          'tenant add',
          async ({ io, database, config }) => {
            const ctx = await systemCtx(database, config, opts.msp);
            const secret = opts.clientSecret ?? io.env.TW_CLIENT_SECRET;
            const auth = opts.importOnly
              ? ({ mode: 'import' } as const)
              : !opts.clientId
                ? ({ mode: 'consent' } as const)
                : opts.certificateKey
                  ? ({
                      mode: 'certificate',
                      clientId: opts.clientId,
                      privateKeyPem: readFileSync(io.inputFile(opts.certificateKey), 'utf8'),
                      thumbprint: opts.thumbprint ?? '',
                    } as const)
                  : ({ mode: 'secret', clientId: opts.clientId, clientSecret: secret ?? '' } as const);
            const created = await createTenant({ ctx, input: { tenantGuid: opts.tenantId, name: opts.name, primaryDomain: opts.domain, auth } });
            print(
              io,
              `Added ${created.name} (${created.tenantGuid}), id ${created.id}, ${created.importOnly ? 'import only (never collected)' : `authentication: ${created.authMode}`}.`,
            );
          },
          { file: opts.clientId ? opts.certificateKey : undefined },
        ),
    );

  tenant
    .command('list')
    .description('list tenants')
    .option('--json', 'print JSON')
    .addOption(mspOption())
    .action((opts: { json?: boolean; msp?: string }) =>
      host.run('tenant list', async ({ io, database, config }) => {
        const ctx = await systemCtx(database, config, opts.msp);
        const items = [];
        let cursor: string | undefined;
        do {
          const page = await listTenants({ ctx, input: { limit: 500, cursor } });
          items.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        if (opts.json) return print(io, JSON.stringify(items, null, 2));
        if (items.length === 0) return print(io, 'No tenants yet. Add one with `tenantwatch tenant add`.');
        const rows = items.map((t) => [
          t.name + (t.isDemo ? ' (demo)' : ''),
          t.tenantGuid,
          t.primaryDomain,
          t.importOnly ? 'import only' : t.authMode,
          t.status,
        ]);
        printTable(io, ['NAME', 'TENANT ID', 'DOMAIN', 'AUTH', 'STATUS'], rows);
      }),
    );

  tenant
    .command('verify')
    .description('sign in to the tenant, check the granted permissions (what is missing, in plain words) and start the audit subscriptions')
    .requiredOption('--tenant <tenant>', TENANT_HELP)
    .addOption(mspOption())
    .action((opts: { tenant: string; msp?: string }) =>
      host.run('tenant verify', async ({ io, database, config }) => {
        const ctx = await systemCtx(database, config, opts.msp);
        const target = await resolveTenant(ctx, opts.tenant);
        const report = await verifyTenant({ ctx, id: target.id, deps: { config, tokens: createTokenProvider(config, ctx.secrets) } });
        print(io, `${target.name}: ${report.status === 'active' ? 'signed in' : 'could not sign in'}`);
        const apiNames = { graph: 'Microsoft Graph', manage: 'Management Activity API', exchange: 'Exchange Online admin API' } as const;
        for (const e of report.signInErrors) print(io, `  ${apiNames[e.api]}: ${e.message}`);
        for (const g of report.granted) print(io, `  granted  ${g.permission}`);
        for (const m of report.missing) print(io, `  MISSING  ${m.permission} (${m.apiName}): ${m.without}`);
        for (const sub of report.subscriptions) {
          print(
            io,
            `  audit subscription ${sub.contentType}: ${sub.status}${sub.webhook ? ' with notifications' : ''}${sub.message ? ` (${sub.message})` : ''}`,
          );
        }
        if (report.status === 'error' || report.missing.length > 0) io.exitCode = 1;
      }),
    );

  tenant
    .command('status')
    .description('collection status of a tenant, source by source')
    .requiredOption('--tenant <tenant>', TENANT_HELP)
    .option('--json', 'print JSON')
    .addOption(mspOption())
    .action((opts: { tenant: string; json?: boolean; msp?: string }) =>
      host.run('tenant status', async ({ io, database, config }) => {
        const ctx = await systemCtx(database, config, opts.msp);
        const view = await getTenant({ ctx, id: (await resolveTenant(ctx, opts.tenant)).id });
        if (opts.json) return print(io, JSON.stringify(view, null, 2));
        print(io, `${view.name} (${view.tenantGuid}): ${view.status}`);
        if (view.collectors.length === 0) return print(io, 'Not collected yet.');
        const ago = (iso: string | null) => (iso ? `${Math.round((Date.now() - Date.parse(iso)) / 60_000)} min ago` : 'never');
        printTable(
          io,
          ['SOURCE', 'LAST SUCCESS', 'LAG', 'LAST ERROR'],
          view.collectors.map((c) => [c.source, ago(c.lastSuccessAt), c.lagSeconds === null ? '-' : `${Math.round(c.lagSeconds / 60)} min`, c.lastError ?? '']),
        );
      }),
    );
}
