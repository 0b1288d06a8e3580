/** The transport rule a mail_flow_rule entity names (its name or GUID), read with Get-TransportRule. */
import { must } from './lib.ts';
import type { ActionContext, JsonObject } from './types.ts';

export async function findTransportRule(ctx: ActionContext, key: string): Promise<JsonObject | undefined> {
  const answer = await ctx.exchange.invoke<{ Name?: string; Guid?: string; Identity?: string; State?: string; Priority?: number }>('Get-TransportRule', {
    Identity: key,
  });
  if (!answer.ok && answer.failure.status === 404) return undefined;
  const [rule] = must(answer);
  if (!rule) return undefined;
  return { identity: rule.Guid ?? rule.Identity ?? key, name: rule.Name ?? key, state: rule.State ?? 'Enabled', priority: rule.Priority ?? null };
}
