import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

// Database errors carry the statement and every parameter (a password hash, a token hash, an
// attacker's input): none of it is logged, only what went wrong.
const DROPPED_ERROR_FIELDS = new Set(['query', 'params', 'parameters', 'detail', 'where', 'internalQuery']);
const FAILED_QUERY = /Failed query:[\s\S]*?(?=\n\s+at |\ncaused by|$)/g;

const scrubText = (text: string) => text.replace(FAILED_QUERY, 'Failed query (statement and parameters not logged)');

const isDatabaseError = (o: Record<string, unknown>) => typeof o.severity === 'string' && typeof o.code === 'string' && /^[0-9A-Z]{5}$/.test(o.code);

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (!value || typeof value !== 'object' || depth > 5) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(source)) {
    if (DROPPED_ERROR_FIELDS.has(key)) continue;
    out[key] = scrub(inner, depth + 1);
  }
  // Postgres quotes the offending value in its message (`invalid input syntax for type integer: "…"`).
  if (isDatabaseError(source) && typeof source.message === 'string') {
    const original = source.message;
    const safe = original.replace(/"(?:[^"]|"")*"/g, '"…"');
    out.message = safe;
    if (typeof out.stack === 'string') out.stack = out.stack.split(original).join(safe);
  }
  return out;
}

/** pino's error serializer, minus SQL statements and their parameters at every level. */
export function serializeError(err: unknown): unknown {
  return scrub(err instanceof Error ? pino.stdSerializers.errWithCause(err) : err);
}

/** JSON logs on stdout; secrets in known places are redacted before they are written. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'tenantwatch' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError, error: serializeError },
      redact: {
        paths: ['password', '*.password', 'clientSecret', '*.clientSecret', 'token', '*.token', 'req.headers.authorization', 'req.headers.cookie'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** An error's message for one line of output, without any SQL statement or parameters in it. */
export function safeErrorMessage(err: unknown): string {
  const serialized = serializeError(err);
  if (serialized && typeof serialized === 'object' && 'message' in serialized) return String((serialized as { message: unknown }).message);
  return scrubText(String(err));
}
