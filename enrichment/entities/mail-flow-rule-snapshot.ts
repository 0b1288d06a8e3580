/** What enrichment records about a mail flow (transport) rule, read with Get-TransportRule. */
import { z } from 'zod';
import { enabledStatusSchema, jsonObjectSchema, ruleDescriptionSchema } from './snapshot-parts.ts';

export const mailFlowRuleSnapshotSchema = z
  .object({
    schemaVersion: z.number(),
    identity: z.string(),
    guid: z.string().nullable(),
    name: z.string(),
    status: enabledStatusSchema,
    mode: z.string().nullable().meta({ description: '`Enforce`, `Audit` (test without notifications) or `AuditAndNotify` (test with policy tips)' }),
    priority: z.number().nullable().meta({ description: '0 runs first' }),
    comments: z.string().nullable(),
    description: ruleDescriptionSchema,
    exchangeDescription: z.string().nullable().meta({ description: "Exchange's own description of the rule, as it gives it" }),
    copiesTo: z.array(z.string()).meta({ description: 'Addresses that receive a copy or the message instead (Bcc, Cc, added recipients, redirect)' }),
    deletesMessages: z.boolean(),
    bypassesSpamFiltering: z.boolean(),
    whenChanged: z.string().nullable(),
    flaggedReason: z.string().nullable(),
    parameters: jsonObjectSchema.meta({ description: "The rule's parameters in use (empty and default values left out)" }),
  })
  .meta({ id: 'MailFlowRuleSnapshot', description: 'A mail flow rule as recorded' });

export type MailFlowRuleSnapshot = z.infer<typeof mailFlowRuleSnapshotSchema>;
