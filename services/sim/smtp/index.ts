/**
 * An SMTP sink: a real SMTP server (smtp-server) on loopback that accepts every message and keeps
 * it, parsed (mailparser), for the Outbox page, the tests and the benchmark. It stands in for the
 * MSP's mail server in the demo; pointing Tenantwatch at a real server is configuration only.
 *
 * A message counts as accepted once the sink answers 250 to its DATA, as with a real server. A
 * client killed before its final dot delivered nothing; one killed after it cannot be told apart
 * from one that finished (TCP gives no sign until the answer is written), so it re-sends, and the
 * sink, like a mailbox that removes duplicates, keeps one message per Message-ID.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export type SinkMessage = {
  /** The sink's own id for the message (for the Outbox page's URLs). */
  id: string;
  messageId: string | null;
  /** Envelope sender and recipients, as the client gave them in MAIL FROM / RCPT TO. */
  envelopeFrom: string | null;
  envelopeTo: string[];
  from: string;
  to: string;
  subject: string;
  text: string;
  /** The HTML part, when there is one: shown only in a sandboxed frame. */
  html: string | null;
  /** Every header as received, lower-case names. */
  headers: Record<string, string>;
  receivedAt: Date;
};

export type SmtpSinkOptions = {
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Messages kept (the oldest go first). */
  keep?: number;
  /** Accepts AUTH PLAIN/LOGIN with any user and password (to try a configuration with credentials). */
  acceptAuth?: boolean;
};

export type SmtpSink = {
  host: string;
  port: number;
  /** Newest first. */
  messages(): SinkMessage[];
  message(id: string): SinkMessage | undefined;
  /**
   * Messages answered 250 whose Message-ID the mailbox already held: a client that died after
   * sending the final dot but before reading the answer sends again (the one window SMTP cannot
   * close), and like a mailbox that removes duplicates the sink keeps the first only.
   */
  duplicates(): number;
  /** Resolves when a message satisfying `predicate` has been accepted (or is already there). */
  waitFor(predicate: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  /**
   * From now on the answer to RCPT TO (`rcpt`: the message has not been sent yet) or to the end
   * of DATA (`data`: it has, the client waits for the 250) waits until `release()`. For tests of a
   * sender killed mid-send.
   */
  hold(stage?: 'rcpt' | 'data'): void;
  release(): void;
  /** Resolves when a message's data has arrived and is being held. */
  nextHeld(timeoutMs?: number): Promise<void>;
  /** Stops listening (a server that is down); `start()` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  clear(): void;
};

/**
 * Starts the sink.
 * @example const sink = await startSmtpSink(); // sink.port, then SMTP to 127.0.0.1:sink.port
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1';
  const keep = options.keep ?? 500;
  const stored: SinkMessage[] = [];
  const waiters = new Set<{ predicate: (m: SinkMessage) => boolean; resolve: (m: SinkMessage) => void }>();
  let holding: 'rcpt' | 'data' | null = null;
  let duplicates = 0;
  const held = new Set<() => void>();
  const heldWaiters: (() => void)[] = [];

  const accept = (m: SinkMessage) => {
    if (m.messageId && stored.some((s) => s.messageId === m.messageId)) {
      duplicates += 1;
      return;
    }
    stored.unshift(m);
    if (stored.length > keep) stored.length = keep;
    for (const w of [...waiters]) {
      if (w.predicate(m)) {
        waiters.delete(w);
        w.resolve(m);
      }
    }
  };

  const makeServer = () =>
    new SMTPServer({
      secure: false,
      // A loopback sink without a certificate: clients must not insist on STARTTLS (TW_SMTP_SECURITY=none).
      disabledCommands: options.acceptAuth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: true,
      allowInsecureAuth: true,
      logger: false,
      // Open connections are ended this soon when the sink stops (a server going down).
      closeTimeout: 500,
      size: 10 * 1024 * 1024,
      onRcptTo(_address, _session, callback) {
        if (holding !== 'rcpt') return callback();
        void waitHeld().then(() => callback());
      },
      onAuth(auth, _session, callback) {
        callback(null, { user: auth.username ?? 'user' });
      },
      onData(stream, session: SMTPServerSession, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const finish = async () => {
            if (holding === 'data') await waitHeld();
            // The client is known to have left before the answer: nothing was delivered.
            if (closedSessions.has(session.id)) return callback(new Error('connection closed'));
            const parsed = await simpleParser(Buffer.concat(chunks));
            const headers: Record<string, string> = {};
            for (const line of parsed.headerLines) headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
            accept({
              id: randomUUID(),
              messageId: parsed.messageId ?? null,
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              from: parsed.from?.text ?? '',
              to: Array.isArray(parsed.to) ? parsed.to.map((t) => t.text).join(', ') : (parsed.to?.text ?? ''),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : null,
              headers,
              receivedAt: new Date(),
            });
            callback();
          };
          finish().catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
        });
      },
      onClose(session) {
        closedSessions.add(session.id);
      },
    });
  const closedSessions = new Set<string>();
  const waitHeld = () =>
    new Promise<void>((resolve) => {
      held.add(resolve);
      heldWaiters.splice(0).forEach((w) => w());
    });

  let server = makeServer();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', () => {});
        resolve((server.server.address() as AddressInfo).port);
      });
    });
  const port = await listen(options.port ?? 0);

  return {
    host,
    port,
    messages: () => [...stored],
    message: (id) => stored.find((m) => m.id === id),
    waitFor(predicate, timeoutMs = 60_000) {
      const found = stored.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve: (m: SinkMessage) => (clearTimeout(timer), resolve(m)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching message within ${timeoutMs} ms (${stored.length} received)`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    duplicates: () => duplicates,
    hold(stage = 'data') {
      holding = stage;
    },
    release() {
      holding = null;
      for (const r of [...held]) r();
      held.clear();
    },
    nextHeld(timeoutMs = 60_000) {
      if (held.size > 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message held within ${timeoutMs} ms`)), timeoutMs);
        heldWaiters.push(() => (clearTimeout(timer), resolve()));
      });
    },
    async stop() {
      // Ends open connections too: a server that is down answers nobody.
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async start() {
      server = makeServer();
      await listen(port);
    },
    clear() {
      stored.length = 0;
    },
  };
}
