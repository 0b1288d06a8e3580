import { trigger } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { checkAction, checkKindFields, createTriggerInput, type CreateTriggerInput } from './trigger-input.ts';
import { checkGroups, checkTenants, findTrigger, scopeList, toTriggerViews } from './trigger-view.ts';
import { writeActions } from './write-actions.ts';

/**
 * Creates a trigger: IF the condition matches a new event in its scope (`kind: 'event'`), a user's
 * risk score enters a band (`score`) or a schedule comes due (`schedule`), THEN its actions run.
 * @example await createTrigger({ ctx, input: { name: 'High severity', condition: "Event.Severity >= 'high'", actions: [{ kind: 'email', settings: { to: ['@owners'], subject: '{Event.Title}', body: '{Event.Description}' } }] } })
 */
export async function createTrigger({ ctx, input }: { ctx: Ctx; input: CreateTriggerInput }) {
  authorize(ctx, 'trigger.write');
  const data = createTriggerInput.parse(input);
  const kindFields = checkKindFields(
    data,
    data.actions.map((a) => a.kind),
  );
  const actions = data.actions.map((a, i) => checkAction(a, i, null));
  await checkTenants(ctx.db, ctx, data.tenantIds);
  const createdBy = ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : null;
  const id = await ctx.db.transaction(async (tx) => {
    await checkGroups(tx, ctx, data.tenantGroupIds);
    const [row] = await tx
      .insert(trigger)
      .values({
        mspId: ctx.msp,
        name: data.name,
        ...kindFields,
        enabled: data.enabled,
        tenantIds: scopeList(data.tenantIds),
        tenantGroupIds: scopeList(data.tenantGroupIds),
        deliveryMode: data.deliveryMode,
        gatherMinutes: data.gatherMinutes,
        createdBy,
      })
      .returning();
    await writeActions(tx, ctx.secrets, row!, actions);
    await writeAudit(
      tx,
      ctx,
      'trigger.create',
      { type: 'trigger', id: row!.id },
      { name: data.name, kind: kindFields.kind, condition: kindFields.condition, actions: actions.map((a) => a.kind) },
    );
    return row!.id;
  });
  return (await toTriggerViews(ctx.db, [await findTrigger(ctx, id)]))[0]!;
}
