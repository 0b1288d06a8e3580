/**
 * Fault injection, per tenant. Two families:
 *  - request faults (throttling, 5xx, slow responses, truncated bodies, expired content),
 *    decided per request by rules with a rate drawn from the tenant's seeded PRNG, so a
 *    run with the same seed and the same request order fails in the same places;
 *  - delivery faults (the same record in two blobs, records published late, records out of
 *    order inside a blob), applied when audit records are packed into content blobs.
 */
import { z } from 'zod';
import type { Prng } from './prng.ts';

export const FAULT_APIS = ['graph', 'management', 'exchange'] as const;
export type FaultApi = (typeof FAULT_APIS)[number];

export const faultRuleSchema = z.object({
  kind: z.enum(['throttle', 'server-error', 'delay', 'truncate', 'expire-content']),
  /** Which APIs the rule applies to. Default: all. */
  apis: z.array(z.enum(FAULT_APIS)).optional(),
  /** Only requests whose path contains this text (e.g. `auditLogs/signIns`, `/activity/feed/audit/`). */
  pathIncludes: z.string().optional(),
  /** Probability per matching request, 0..1. Default 1. */
  rate: z.number().min(0).max(1).optional(),
  /** Stop after this many hits (e.g. `1` = only the first matching request fails). */
  remaining: z.number().int().min(0).optional(),
  /** Throttle: Graph `Retry-After` in seconds; fractional values are sent as they are (`2.128`). */
  retryAfterSeconds: z.number().positive().optional(),
  /** Throttle on the Management API: AF429 as HTTP 429, as HTTP 403 (as seen in Microsoft's troubleshooting doc), or alternating by PRNG. */
  managementStatus: z.union([z.literal(429), z.literal(403), z.literal('either')]).optional(),
  /** Server error status (500, 502, 503, 504). Default 503 for Graph, 500 for the Management API. */
  status: z.number().int().min(500).max(599).optional(),
  /** Delay: milliseconds added before the response (real time: this is for timeout handling). */
  delayMs: z.number().int().min(0).max(120_000).optional(),
});
export type FaultRule = z.infer<typeof faultRuleSchema>;

export const deliveryFaultsSchema = z.object({
  /** Fraction of records that are also published in a second blob. */
  duplicateRate: z.number().min(0).max(1).optional(),
  /** Fraction of records published late: contentCreated = CreationTime + lateMinutes. */
  lateRate: z.number().min(0).max(1).optional(),
  /** Range of lateness in minutes for late records. Default [360, 1440] (6 to 24 hours). */
  lateMinutes: z.tuple([z.number().min(0), z.number().min(0)]).optional(),
  /** Shuffle records inside each blob instead of ordering them by CreationTime. */
  outOfOrder: z.boolean().optional(),
});
export type DeliveryFaults = z.infer<typeof deliveryFaultsSchema>;

export const tenantFaultsSchema = z.object({
  rules: z.array(faultRuleSchema).default([]),
  delivery: deliveryFaultsSchema.default({}),
});
export type TenantFaults = z.infer<typeof tenantFaultsSchema>;

export interface FaultDecision {
  /** Total delay to apply before answering. */
  delayMs: number;
  /** The fault that replaces or alters the response, if any. */
  fault?: FaultRule;
}

/**
 * Decides which faults hit one request. Every matching rule draws from the PRNG whether
 * or not an earlier rule already fired, so adding a rule never reshuffles the others' draws.
 */
export function decideFaults(rules: FaultRule[], prng: Prng, api: FaultApi, path: string): FaultDecision {
  const decision: FaultDecision = { delayMs: 0 };
  for (const rule of rules) {
    if (rule.apis && !rule.apis.includes(api)) continue;
    if (rule.pathIncludes && !path.includes(rule.pathIncludes)) continue;
    if (rule.remaining !== undefined && rule.remaining <= 0) continue;
    if (rule.kind === 'expire-content' && !(api === 'management' && path.includes('/activity/feed/audit/'))) continue;
    const hit = prng.next() < (rule.rate ?? 1);
    if (!hit) continue;
    if (rule.kind === 'delay') {
      decision.delayMs += rule.delayMs ?? 1000;
    } else if (decision.fault) {
      continue;
    } else {
      decision.fault = rule;
    }
    if (rule.remaining !== undefined) rule.remaining -= 1;
  }
  return decision;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Cuts a body in half, the way a dropped connection leaves a client holding invalid JSON. */
export function truncateBody(text: string): string {
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}
