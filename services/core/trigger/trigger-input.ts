import { z } from 'zod';
import { TRIGGER_ACTION_KINDS, TRIGGER_DELIVERY_MODES } from '../../../db/schema/index.ts';
import { ValidationError } from '../../errors.ts';
import { emailSettings } from '../../notify/channels/email.ts';
import { CHANNELS, webhookSecret } from '../../notify/channels/index.ts';
import { parseFilterInput } from '../event/filter-expression.ts';
import { remediationActionSettings } from '../remediation/auto-respond.ts';

/** One THEN step as the editor sends it. A web request's signing secret travels only inbound. */
export const actionInput = z.object({
  kind: z.enum(TRIGGER_ACTION_KINDS),
  /** The channel's settings (see the channel's schema); a web request's `secret` may be left out to keep the current one. */
  settings: z.record(z.string(), z.unknown()),
});

const triggerFields = {
  name: z.string().trim().min(1, 'give the trigger a name').max(200),
  /** IF: a filter-language expression, the same as the Report's filter box. */
  condition: z.string().trim().min(1, 'write a condition').max(10_000),
  enabled: z.boolean(),
  /** Null or empty (and no groups): every tenant, and Tenantwatch's own sign-in events. One or more: those tenants only. */
  tenantIds: z.array(z.uuid()).max(1000).nullable(),
  /** Null or empty: no group. One or more: their members at the time of each event (with `tenantIds`, either covers). */
  tenantGroupIds: z.array(z.uuid()).max(100).nullable(),
  deliveryMode: z.enum(TRIGGER_DELIVERY_MODES),
  /** With `gathered`: one message per action for the events of this many minutes. */
  gatherMinutes: z.number().int().min(1).max(1440),
  /** THEN: one or more actions, run in order. */
  actions: z.array(actionInput).min(1, 'add at least one action').max(10),
};

export const createTriggerInput = z.object({
  ...triggerFields,
  enabled: triggerFields.enabled.default(true),
  tenantIds: triggerFields.tenantIds.default(null),
  tenantGroupIds: triggerFields.tenantGroupIds.default(null),
  deliveryMode: triggerFields.deliveryMode.default('immediate'),
  gatherMinutes: triggerFields.gatherMinutes.default(15),
});
export type CreateTriggerInput = z.input<typeof createTriggerInput>;

export const updateTriggerInput = z.object({
  name: triggerFields.name.optional(),
  condition: triggerFields.condition.optional(),
  enabled: triggerFields.enabled.optional(),
  tenantIds: triggerFields.tenantIds.optional(),
  tenantGroupIds: triggerFields.tenantGroupIds.optional(),
  deliveryMode: triggerFields.deliveryMode.optional(),
  gatherMinutes: triggerFields.gatherMinutes.optional(),
  actions: triggerFields.actions.optional(),
});
export type UpdateTriggerInput = z.input<typeof updateTriggerInput>;

/** Checks the condition like the Report's box does (400 with positions). */
export function checkCondition(condition: string): void {
  parseFilterInput(condition, 'condition');
}

/** The ticket action has no settings of its own. */
export const ticketActionSettings = z.object({}).strict();

export type CheckedAction = { kind: (typeof TRIGGER_ACTION_KINDS)[number]; config: Record<string, unknown>; secret: string | null };

/**
 * Parses an action's settings with its channel's schema. The secret part (a web request's
 * signing secret) is split off to be sealed; `keptSecret` stands in when the editor sends none.
 */
export function checkAction(action: z.output<typeof actionInput>, index: number, keptSecret: string | null): CheckedAction {
  const path = `actions.${index}.settings`;
  const fail = (issues: z.core.$ZodIssue[]): never => {
    throw new ValidationError(
      `Action ${index + 1}: ${issues[0]?.message ?? 'settings are not valid'}.`,
      issues.map((i) => ({ path: [path, ...i.path.map(String)].join('.'), message: i.message })),
    );
  };
  if (action.kind === 'email') {
    const parsed = emailSettings.safeParse(action.settings);
    if (!parsed.success) fail(parsed.error.issues);
    return { kind: 'email', config: parsed.data as Record<string, unknown>, secret: null };
  }
  if (action.kind === 'webhook') {
    // The secret is sealed apart from the settings; without one given, the saved one stays.
    const { secret: given, ...rest } = action.settings;
    const parsed = CHANNELS.webhook.settings.safeParse(rest);
    if (!parsed.success) fail(parsed.error.issues);
    const secret = webhookSecret.safeParse(typeof given === 'string' && given !== '' ? given : (keptSecret ?? undefined));
    if (!secret.success) fail(secret.error.issues.map((i) => ({ ...i, path: ['secret'] })));
    return { kind: 'webhook', config: parsed.data as Record<string, unknown>, secret: secret.data! };
  }
  if (action.kind === 'remediation') {
    const parsed = remediationActionSettings.safeParse(action.settings);
    if (!parsed.success) fail(parsed.error.issues);
    return { kind: 'remediation', config: parsed.data as Record<string, unknown>, secret: null };
  }
  if (action.kind === 'ticket') {
    // Where the ticket goes (PSA, company, board, priority…) is the tenant's mapping on the Integrations page.
    const parsed = ticketActionSettings.safeParse(action.settings);
    if (!parsed.success) fail(parsed.error.issues);
    return { kind: 'ticket', config: {}, secret: null };
  }
  const parsed = CHANNELS[action.kind].settings.safeParse(action.settings);
  if (!parsed.success) fail(parsed.error.issues);
  return { kind: action.kind, config: parsed.data as Record<string, unknown>, secret: null };
}
