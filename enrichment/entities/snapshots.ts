/**
 * The snapshot schema of every entity kind an event can hold: the one description of what
 * enrichment records, read by the API's OpenAPI document, the filter language's field
 * registry (through the inferred types) and the contract tests. A mailbox is recorded as its
 * owner's user object. A new kind in db/schema fails compilation here until it has a schema.
 */
import type { z } from 'zod';
import type { EntityKind } from '../../db/schema/enums.ts';
import { appSnapshotSchema } from './app-snapshot.ts';
import { inboxRuleSnapshotSchema } from './inbox-rule-snapshot.ts';
import { ipSnapshotSchema } from './ip-snapshot.ts';
import { linkSnapshotSchema } from './link-snapshot.ts';
import { mailFlowRuleSnapshotSchema } from './mail-flow-rule-snapshot.ts';
import { userSnapshotSchema } from './user-snapshot.ts';

export const SNAPSHOT_SCHEMAS = {
  user: userSnapshotSchema,
  mailbox: userSnapshotSchema,
  app: appSnapshotSchema,
  inbox_rule: inboxRuleSnapshotSchema,
  mail_flow_rule: mailFlowRuleSnapshotSchema,
  link: linkSnapshotSchema,
  ip: ipSnapshotSchema,
} as const satisfies Record<EntityKind, z.ZodType>;

/** The recorded snapshot of each entity kind. */
export type SnapshotOf = { [K in EntityKind]: z.infer<(typeof SNAPSHOT_SCHEMAS)[K]> };

export { appSnapshotSchema, inboxRuleSnapshotSchema, ipSnapshotSchema, linkSnapshotSchema, mailFlowRuleSnapshotSchema, userSnapshotSchema };
