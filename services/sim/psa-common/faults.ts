/**
 * Faults and latency shared by the PSA simulators (ConnectWise Manage, Autotask), set through
 * each simulator's control API: the next N matching requests answer 429 (with Retry-After) or a
 * 5xx, and every request can be slowed by a fixed latency. Counting, not chance, decides which
 * request fails, so a test knows exactly which call will see the fault.
 */
import { z } from 'zod';

export const psaFaultSchema = z.object({
  status: z
    .number()
    .int()
    .refine((s) => s === 429 || (s >= 500 && s <= 599), 'a fault status is 429 or 5xx'),
  /** How many matching requests fail; default 1. */
  times: z.number().int().min(1).default(1),
  /** Only requests whose method matches (GET, POST, PATCH…); default any. */
  method: z.string().optional(),
  /** Only requests whose path contains this text (case-insensitive). */
  pathIncludes: z.string().optional(),
  /** Sent with 429 as Retry-After (seconds). Default 1. */
  retryAfterSeconds: z.number().min(0).optional(),
});
export type PsaFault = z.infer<typeof psaFaultSchema>;

export const latencySchema = z.object({ ms: z.number().int().min(0).max(120_000) });

export interface PsaRequestLog {
  at: string;
  method: string;
  path: string;
  status: number;
  fault?: number;
}

/** Takes the first fault rule that matches the request and counts it down. */
export function takeFault(faults: PsaFault[], method: string, path: string): PsaFault | undefined {
  const lower = path.toLowerCase();
  const i = faults.findIndex((f) => (!f.method || f.method.toUpperCase() === method) && (!f.pathIncludes || lower.includes(f.pathIncludes.toLowerCase())));
  if (i < 0) return undefined;
  const fault = faults[i]!;
  fault.times -= 1;
  if (fault.times <= 0) faults.splice(i, 1);
  return fault;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
