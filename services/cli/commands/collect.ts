import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { collectTenant, COLLECTED_SOURCES } from '../../collector/collect-tenant.ts';
import { createTokenProvider } from '../../microsoft/token-provider.ts';
import { createLogger } from '../../log.ts';
import { systemCtx } from '../context.ts';
import { type CommandHost, print } from '../io.ts';
import { mspOption, parseAge, TENANT_HELP } from '../options.ts';
import { resolveTenant } from '../resolve-tenant.ts';

export function registerCollectCommand(program: Command, host: CommandHost) {
  program
    .command('collect')
    .requiredOption('--tenant <tenant>', TENANT_HELP)
    .option('--since <age>', 'reach back this far, e.g. 7d, 12h (default: from the last checkpoint)', parseAge)
    .addOption(mspOption())
    .action((opts: { tenant: string; since?: number; msp?: string }) =>
      host.run('collect', async ({ io, database, config }) => {
        const ctx = await systemCtx(database, config, opts.msp);
        const target = await resolveTenant(ctx, opts.tenant);
        const log = createLogger({ logLevel: 'silent' });
        const now = Date.now();
        const since = opts.since ? new Date(now - opts.since) : undefined;
        const span = now - (since?.getTime() ?? now - config.collect.backfillDays * 86_400_000);
        const bar = io.isTTY
          ? new SingleBar({ format: 'collecting [{bar}] {percentage}% | {sources} sources', stream: io.stderr, hideCursor: true }, Presets.shades_classic)
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
          if (r.status === 'collected') print(io, `${r.source}: ${r.inserted} new records (${r.duplicates} already stored, ${r.quarantined} quarantined)`);
          else if (r.status === 'failed') {
            failed += 1;
            print(io, `${r.source}: FAILED, ${r.error}`);
          }
        }
        if (failed > 0) io.exitCode = 1;
      }),
    );
}
