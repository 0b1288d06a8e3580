import { basename } from 'node:path';
import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { createIpIntel } from '../../../enrichment/ip/index.ts';
import { eventsWithPendingEntities } from '../../../enrichment/stage.ts';
import { formatImportSummary, importExitCode } from '../../collector/import/import-summary.ts';
import { reportLink } from '../../collector/import/report-link.ts';
import { importAuditExport } from '../../core/import/import-audit-export.ts';
import { createLogger } from '../../log.ts';
import { PIPELINE_JOBS, sendForEnrichment } from '../../worker/pipeline-jobs.ts';
import { ensureQueues, startQueue, stopQueue } from '../../worker/queue.ts';
import { systemCtx } from '../context.ts';
import { type CommandHost, print } from '../io.ts';
import { mspOption, TENANT_HELP } from '../options.ts';
import { resolveTenant } from '../resolve-tenant.ts';

export function registerImportCommand(program: Command, host: CommandHost) {
  program
    .command('import')
    .argument('<file>', 'the export file')
    .requiredOption('--tenant <tenant>', TENANT_HELP)
    .addOption(mspOption())
    .action((file: string, opts: { tenant: string; msp?: string }) =>
      host.run(
        'import',
        async ({ io, database, config, boss: runningBoss }) => {
          const ctx = await systemCtx(database, config, opts.msp);
          const target = await resolveTenant(ctx, opts.tenant);
          const log = createLogger({ logLevel: 'silent' });
          const bar = io.isTTY
            ? new SingleBar(
                {
                  format: 'importing [{bar}] {percentage}% | {read} records, {rate} records/s | {detected} through detection, {events} events',
                  stream: io.stderr,
                  hideCursor: true,
                },
                Presets.shades_classic,
              )
            : null;
          // Rules that read IP intelligence see the same data as for collected records.
          const ipIntel = createIpIntel(config.ipIntel);
          bar?.start(100, 0, { read: 0, rate: 0, detected: 0, events: 0 });
          const started = performance.now();
          try {
            const { summary } = await importAuditExport({
              ctx,
              deps: { log, ipIntel },
              input: { tenantId: target.id, path: io.inputFile(file), fileName: basename(file) },
              onProgress: (p) =>
                bar?.update(p.size > 0 ? Math.min(100, Math.round((p.bytesRead / p.size) * 100)) : 100, {
                  read: p.read,
                  rate: Math.round(p.read / Math.max(0.001, (performance.now() - started) / 1000)),
                  detected: p.detected,
                  events: p.events,
                }),
            });
            bar?.stop();
            for (const line of formatImportSummary(summary, { tenant: target.name, file })) print(io, line);
            io.exitCode = importExitCode(summary);
            const d = summary.detection;
            // The Report's default range is 30 days; an investigation's events are often older.
            const link = await reportLink(database.db, config.publicUrl, target.id, d.eventIds);
            if (link) print(io, `Report: ${link}`);
            // Enrichment runs in the product's workers (now, if it is running; else when it starts).
            const pending = await eventsWithPendingEntities(database.db, d.eventIds);
            if (pending.length > 0) {
              const boss = runningBoss ?? (await startQueue(database, log, { schedule: false }));
              try {
                await ensureQueues(boss, PIPELINE_JOBS);
                const queued = await sendForEnrichment(boss, pending);
                print(io, `Enrichment: ${queued} events queued for the workers.`);
              } finally {
                if (!runningBoss) await stopQueue(boss, 5);
              }
            }
          } finally {
            bar?.stop();
            await ipIntel.close();
          }
        },
        { file },
      ),
    );
}
