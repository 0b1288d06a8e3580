import { z } from 'zod';
import { RISK_BANDS_ORDER, TRIGGER_ACTION_KINDS, TRIGGER_DELIVERY_MODES, TRIGGER_KINDS, type TriggerKind } from '../../../db/schema/index.ts';
import { ValidationError } from '../../errors.ts';
import { emailSettings } from '../../notify/channels/email.ts';
import { CHANNELS, webhookSecret } from '../../notify/channels/index.ts';
import { nextDueTime, scheduleProblem } from '../../notify/scheduled-triggers.ts';
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
  /** `event`: a condition over each new event; `score`: a user's risk score enters a band; `schedule`: a cron schedule. */
  kind: z.enum(TRIGGER_KINDS),
  /**
   * IF: a filter-language expression, the same as the Report's filter box. Required for `event`;
   * for `schedule` it narrows the events the report covers (empty: all); unused for `score`.
   */
  condition: z.string().trim().max(10_000),
  /** `score`: fire when a user's risk score enters this band or a higher one. */
  scoreBand: z.enum(RISK_BANDS_ORDER).nullable(),
  /** `schedule`: a five-field cron expression (minute hour day-of-month month day-of-week), e.g. `0 7 * * 1`. */
  cron: z.string().trim().max(200).nullable(),
  /** `schedule`: the IANA time zone the cron expression is read in. */
  timeZone: z.string().trim().min(1).max(100),
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
  kind: triggerFields.kind.default('event'),
  condition: triggerFields.condition.default(''),
  scoreBand: triggerFields.scoreBand.default(null),
  cron: triggerFields.cron.default(null),
  timeZone: triggerFields.timeZone.default('UTC'),
  enabled: triggerFields.enabled.default(true),
  tenantIds: triggerFields.tenantIds.default(null),
  tenantGroupIds: triggerFields.tenantGroupIds.default(null),
  deliveryMode: triggerFields.deliveryMode.default('immediate'),
  gatherMinutes: triggerFields.gatherMinutes.default(15),
});
export type CreateTriggerInput = z.input<typeof createTriggerInput>;

export const updateTriggerInput = z.object({
  name: triggerFields.name.optional(),
  kind: triggerFields.kind.optional(),
  condition: triggerFields.condition.optional(),
  scoreBand: triggerFields.scoreBand.optional(),
  cron: triggerFields.cron.optional(),
  timeZone: triggerFields.timeZone.optional(),
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

type KindInput = { kind: TriggerKind; condition: string; scoreBand: (typeof RISK_BANDS_ORDER)[number] | null; cron: string | null; timeZone: string };

/**
 * The columns a trigger of its kind stores, after checking the fields that kind needs (400 naming
 * the field); the other kinds' fields are cleared. `now`: from when a schedule's first due time counts.
 */
export function checkKindFields(input: KindInput, actionKinds: readonly string[], now = new Date()) {
  const invalid = (path: string, message: string): never => {
    throw new ValidationError(`${message[0]!.toUpperCase()}${message.slice(1)}.`, [{ path, message }]);
  };
  const none = { scoreBand: null, cron: null, timeZone: null, nextRunAt: null };
  if (input.kind === 'event') {
    if (!input.condition) invalid('condition', 'write a condition');
    checkCondition(input.condition);
    return { kind: 'event' as const, condition: input.condition, ...none };
  }
  if (input.kind === 'score') {
    if (!input.scoreBand) invalid('scoreBand', 'choose the band the risk score must enter (low, medium, high or critical)');
    return { kind: 'score' as const, condition: '', ...none, scoreBand: input.scoreBand };
  }
  if (!input.cron) invalid('cron', 'write a schedule as a cron expression, e.g. "0 7 * * 1" (Mondays at 07:00)');
  const problem = scheduleProblem(input.cron!, input.timeZone);
  if (problem) invalid(problem.startsWith('"') ? 'timeZone' : 'cron', problem);
  if (input.condition) checkCondition(input.condition);
  actionKinds.forEach((kind, i) => {
    if (kind === 'ticket' || kind === 'remediation')
      invalid(
        `actions.${i}.kind`,
        `action ${i + 1}: a scheduled trigger has no event to ${kind === 'ticket' ? 'file a ticket for' : 'run a remediation on'}; use email, a web request, Slack or Teams`,
      );
  });
  return {
    kind: 'schedule' as const,
    condition: input.condition,
    scoreBand: null,
    cron: input.cron!,
    timeZone: input.timeZone,
    nextRunAt: nextDueTime(input.cron!, input.timeZone, now),
  };
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
