/**
 * The notify stage as a process runs it: the mailer (the configured SMTP server, or the demo's
 * built-in sink), the outbox sender, and the MSPs' default triggers.
 */
import type { Database } from '../../db/client.ts';
import type { Config } from '../config.ts';
import type { SecretBox } from '../crypto.ts';
import type { Logger } from '../log.ts';
import { startSmtpSink, type SmtpSink } from '../sim/smtp/index.ts';

/** The built-in SMTP sink the embedded default delivers to; the Outbox page reads its messages. */
export type { SinkMessage, SmtpSink } from '../sim/smtp/index.ts';
import { createMailer, type Mailer, type SmtpSettings } from './channels/email.ts';
import { ensureDefaultTriggersForAll } from './defaults.ts';
import { channelEnvironment } from './channels/index.ts';
import { startSender, type Sender } from './sender.ts';
import type { Channels, TicketFiler } from './dispatch.ts';

export type Notify = {
  /** The built-in SMTP sink, when mail goes there (no TW_SMTP_HOST; the demo on, or TW_SMTP_SINK). */
  sink: SmtpSink | null;
  mailer: Mailer | null;
  sender: Sender;
  stop(): Promise<void>;
};

/** The SMTP settings in force: the configured server, or the sink. */
export function smtpSettings(config: Pick<Config, 'smtp'>, sink: Pick<SmtpSink, 'host' | 'port'> | null): SmtpSettings | null {
  const { sink: _sink, ...s } = config.smtp;
  if (s.host) return { ...s, host: s.host };
  if (!sink) return null;
  return { ...s, host: sink.host, port: sink.port, security: 'none', user: undefined, password: undefined };
}

/**
 * Starts mail and the sender in this process.
 * @example const notify = await startNotify({ database, config, log, secrets }); … await notify.stop();
 */
export async function startNotify(deps: {
  database: Database;
  config: Config;
  log: Logger;
  secrets: SecretBox;
  /** Runs triggers' remediation actions; without it they wait for a process that has it. */
  remediate?: Channels['remediate'];
  /** Files triggers' tickets in the PSA; without it they wait for a process that has it. */
  ticket?: TicketFiler;
}): Promise<Notify> {
  const { config, log } = deps;
  const created = await ensureDefaultTriggersForAll(deps.database.db);
  if (created > 0) log.info({ triggers: created }, 'default triggers created');
  const sink = !config.smtp.host && config.smtp.sink ? await startSmtpSink() : null;
  if (sink) log.info({ smtp: `${sink.host}:${sink.port}` }, 'alert mail goes to the built-in SMTP sink (the Outbox page); set TW_SMTP_HOST for a real server');
  const smtp = smtpSettings(config, sink);
  const mailer = smtp ? createMailer(smtp) : null;
  if (!mailer) log.warn('no SMTP server configured (TW_SMTP_HOST): email actions wait until one is');
  const shutdown = new AbortController();
  const sender = await startSender({
    database: deps.database,
    config,
    log,
    secrets: deps.secrets,
    channels: { email: mailer, http: channelEnvironment(config.notify, shutdown.signal), remediate: deps.remediate ?? null, ticket: deps.ticket ?? null },
  });
  return {
    sink,
    mailer,
    sender,
    async stop() {
      shutdown.abort();
      await sender.stop();
      mailer?.close();
      await sink?.stop();
    },
  };
}
