/**
 * What enrichment records about an inbox rule: whether it is on and what it does in plain
 * words. Every string in it (name, keywords, addresses) is attacker-written.
 */
import { z } from 'zod';
import { enabledStatusSchema, jsonObjectSchema, missingPartSchema, ruleDescriptionSchema } from './snapshot-parts.ts';

export const inboxRuleSnapshotSchema = z
  .object({
    schemaVersion: z.number(),
    mailbox: z.string(),
    ruleId: z.string(),
    name: z.string(),
    status: enabledStatusSchema,
    sequence: z.number().nullable(),
    hasError: z.boolean(),
    isReadOnly: z.boolean(),
    description: ruleDescriptionSchema,
    forwardsTo: z.array(z.string()).meta({ description: 'Every address mail is sent on to (forward, forward as attachment, redirect)' }),
    deletesMessages: z.boolean(),
    flaggedReason: z.string().nullable().meta({ description: "The detection's reason, as given" }),
    conditions: jsonObjectSchema,
    exceptions: jsonObjectSchema,
    actions: jsonObjectSchema,
    missing: z.array(missingPartSchema),
  })
  .meta({ id: 'InboxRuleSnapshot', description: 'An inbox rule as recorded' });

export type InboxRuleSnapshot = z.infer<typeof inboxRuleSnapshotSchema>;
