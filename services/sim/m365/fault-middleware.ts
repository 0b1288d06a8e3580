/**
 * Applies a tenant's request faults around an API handler. Each API renders the fault in its
 * own error shape (Graph `TooManyRequests` with a fractional Retry-After, Management API
 * AF429 as 429 or 403, and so on); this module only decides and sequences.
 */
import type { Context, Next } from 'hono';
import { decideFaults, sleep, truncateBody, type FaultApi, type FaultRule } from './faults.ts';
import type { SimTenant } from './state.ts';
import type { SimEnv } from './env.ts';

export interface FaultRenderers {
  throttle(c: Context<SimEnv>, rule: FaultRule): Response;
  serverError(c: Context<SimEnv>, rule: FaultRule): Response;
  expiredContent?(c: Context<SimEnv>): Response;
}

/** Runs the handler with faults applied; records the fault name on the context for the request log. */
export async function withFaults(c: Context<SimEnv>, tenant: SimTenant, api: FaultApi, next: Next, render: FaultRenderers): Promise<Response | void> {
  const path = new URL(c.req.url).pathname;
  const decision = decideFaults(tenant.faults.rules, tenant.faultPrng, api, decodeURIComponent(path));
  if (decision.delayMs > 0) {
    c.set('fault', 'delay');
    await sleep(decision.delayMs);
  }
  const fault = decision.fault;
  if (fault) c.set('fault', fault.kind);
  switch (fault?.kind) {
    case 'throttle':
      return render.throttle(c, fault);
    case 'server-error':
      return render.serverError(c, fault);
    case 'expire-content':
      if (render.expiredContent) return render.expiredContent(c);
      break;
    default:
      break;
  }
  await next();
  if (fault?.kind === 'truncate') {
    const original = c.res;
    const text = await original.text();
    const headers = new Headers(original.headers);
    headers.delete('content-length');
    c.res = new Response(truncateBody(text), { status: original.status, headers });
  }
}
