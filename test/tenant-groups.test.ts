import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { and, eq, isNotNull } from 'drizzle-orm';
import { auditLog, delivery, securityEvent, tenant } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { createTenantGroup } from '../services/core/tenant-group/create-tenant-group.ts';
import { setTenantGroupMembers } from '../services/core/tenant-group/update-tenant-group.ts';
import { detectActivity } from '../services/detection/engine.ts';
import { inboxRule } from '../services/detection/rules/fixtures/case-records.ts';
import { createLogger } from '../services/log.ts';
import { enqueueForEvents } from '../services/notify/outbox.ts';
import { addMember, call, createTestApp, seedMsp, type Member } from './helpers/app.ts';

/** Tenant groups: the verbs and routes, and triggers scoped to a group matching by its members at event time. */

let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let admin: Member;
let tech: Member;
let other: Member;
let contoso: string;
let fabrikam: string;
let otherTenant: string;

type Group = { id: string; name: string; description: string; tenants: { id: string; name: string }[]; triggers: { id: string; name: string }[] };

async function addTenant(mspId: string, name: string): Promise<string> {
  const [row] = await t.database.db
    .insert(tenant)
    .values({ mspId, tenantGuid: crypto.randomUUID(), name, primaryDomain: `${name.toLowerCase()}.example`, authMode: 'consent' })
    .returning();
  return row!.id;
}

beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner', 'Northwind IT');
  admin = await addMember(t.database, owner.mspId, 'admin');
  tech = await addMember(t.database, owner.mspId, 'technician');
  other = await seedMsp(t.database, 'owner', 'Other MSP');
  contoso = await addTenant(owner.mspId, 'Contoso');
  fabrikam = await addTenant(owner.mspId, 'Fabrikam');
  otherTenant = await addTenant(other.mspId, 'Elsewhere');
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

describe('tenant groups API', () => {
  test('create, read, rename, set members, delete; each write audited', async () => {
    const created = await call(t.app, 'POST', '/api/v1/tenant-groups', {
      token: admin.token,
      body: { name: 'Healthcare', description: 'Clinics on the gold contract', tenantIds: [contoso] },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const group = (await created.json()) as Group;
    expect(group).toMatchObject({ name: 'Healthcare', description: 'Clinics on the gold contract', tenants: [{ id: contoso, name: 'Contoso' }], triggers: [] });

    // Technicians read.
    const list = await call(t.app, 'GET', '/api/v1/tenant-groups', { token: tech.token });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: Group[] }).items.map((g) => g.name)).toEqual(['Healthcare']);
    expect((await call(t.app, 'GET', `/api/v1/tenant-groups/${group.id}`, { token: tech.token })).status).toBe(200);

    const renamed = await call(t.app, 'PUT', `/api/v1/tenant-groups/${group.id}`, {
      token: owner.token,
      body: { name: 'Health care', tenantIds: [fabrikam, contoso, fabrikam] },
    });
    expect(renamed.status, await renamed.clone().text()).toBe(200);
    expect((await renamed.json()) as Group).toMatchObject({
      name: 'Health care',
      description: 'Clinics on the gold contract',
      tenants: [
        { id: contoso, name: 'Contoso' },
        { id: fabrikam, name: 'Fabrikam' },
      ],
    });

    const emptied = await call(t.app, 'PUT', `/api/v1/tenant-groups/${group.id}`, { token: owner.token, body: { tenantIds: [] } });
    expect(((await emptied.json()) as Group).tenants).toEqual([]);

    expect((await call(t.app, 'DELETE', `/api/v1/tenant-groups/${group.id}`, { token: admin.token })).status).toBe(204);
    expect((await call(t.app, 'GET', `/api/v1/tenant-groups/${group.id}`, { token: owner.token })).status).toBe(404);

    const audit = await t.database.db
      .select({ action: auditLog.action, details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.mspId, owner.mspId), eq(auditLog.targetId, group.id)))
      .orderBy(auditLog.createdAt);
    expect(audit.map((a) => a.action)).toEqual(['tenant_group.create', 'tenant_group.update', 'tenant_group.update', 'tenant_group.delete']);
    expect(audit[1]!.details).toMatchObject({ from: 'Healthcare', name: 'Health care' });
  });

  test('technicians cannot write; names are unique per MSP; members must be the MSP’s own tenants', async () => {
    const denied = await call(t.app, 'POST', '/api/v1/tenant-groups', { token: tech.token, body: { name: 'Nope' } });
    expect(denied.status).toBe(403);

    const first = await call(t.app, 'POST', '/api/v1/tenant-groups', { token: owner.token, body: { name: 'Gold' } });
    expect(first.status).toBe(201);
    const gold = (await first.json()) as Group;
    const again = await call(t.app, 'POST', '/api/v1/tenant-groups', { token: owner.token, body: { name: 'Gold' } });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toBe('A tenant group named "Gold" already exists; choose another name.');
    const silver = (await (await call(t.app, 'POST', '/api/v1/tenant-groups', { token: owner.token, body: { name: 'Silver' } })).json()) as Group;
    const clash = await call(t.app, 'PUT', `/api/v1/tenant-groups/${silver.id}`, { token: owner.token, body: { name: 'Gold' } });
    expect(clash.status).toBe(409);
    // Another MSP may use the same name.
    expect((await call(t.app, 'POST', '/api/v1/tenant-groups', { token: other.token, body: { name: 'Gold' } })).status).toBe(201);

    const foreign = await call(t.app, 'PUT', `/api/v1/tenant-groups/${gold.id}`, { token: owner.token, body: { tenantIds: [otherTenant] } });
    expect(foreign.status).toBe(400);
    // Another MSP's group id answers like a missing one.
    expect((await call(t.app, 'GET', `/api/v1/tenant-groups/${gold.id}`, { token: other.token })).status).toBe(404);
    expect((await call(t.app, 'DELETE', `/api/v1/tenant-groups/${gold.id}`, { token: other.token })).status).toBe(404);
    const otherList = await call(t.app, 'GET', '/api/v1/tenant-groups', { token: other.token });
    expect(((await otherList.json()) as { items: Group[] }).items.map((g) => g.id)).not.toContain(gold.id);
  });
});

describe('triggers scoped to tenant groups', () => {
  const emailAction = { kind: 'email', settings: { to: ['soc@northwind.example'], subject: '{Event.Title}', body: '{Event.Tenant}' } };
  let n = 0;

  /** A forwarding inbox rule in the tenant, through the real ingest and detection engine and the outbox. */
  async function raiseEvent(tenantId: string): Promise<string> {
    const record = inboxRule({ user: `user${++n}@contoso.com`, name: `Forward ${n}`, parameters: [['ForwardTo', 'x@outside.example']] });
    (record.raw as { CreationTime: string }).CreationTime = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, '');
    const { insertedIds } = await ingestRecords(t.database.db, { mspId: owner.mspId, tenantId }, record.source, [record.raw]);
    await detectActivity({ db: t.database.db, log: createLogger({ logLevel: 'silent' }), onEventsCreated: enqueueForEvents }, insertedIds);
    const events = await t.database.db.select().from(securityEvent).where(eq(securityEvent.tenantId, tenantId));
    const event = events.find((e) => JSON.stringify(e).includes(`user${n}@contoso.com`));
    expect(event, 'the inbox rule raised an event').toBeDefined();
    return event!.id;
  }

  const deliveriesFor = (triggerId: string, eventId: string) =>
    t.database.db
      .select()
      .from(delivery)
      .where(and(eq(delivery.triggerId, triggerId), eq(delivery.eventId, eventId), isNotNull(delivery.eventId)));

  test('an event in a member tenant is delivered, a non-member is not, and membership changes count from the next event', async () => {
    const group = await createTenantGroup({ ctx: owner.ctx, input: { name: 'Watched closely', tenantIds: [contoso] } });
    const created = await call(t.app, 'POST', '/api/v1/triggers', {
      token: owner.token,
      body: { name: 'Group alerts', condition: "Event.Workload = 'Exchange'", tenantGroupIds: [group.id], actions: [emailAction] },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const trigger = (await created.json()) as { id: string; tenantIds: null; tenantGroupIds: string[]; tenantGroups: { id: string; name: string }[] };
    expect(trigger).toMatchObject({ tenantIds: null, tenantGroupIds: [group.id], tenantGroups: [{ id: group.id, name: 'Watched closely' }] });

    expect(await deliveriesFor(trigger.id, await raiseEvent(contoso))).toHaveLength(1);
    expect(await deliveriesFor(trigger.id, await raiseEvent(fabrikam))).toHaveLength(0);

    // Fabrikam joins the group: its next event is covered, with no change to the trigger.
    await setTenantGroupMembers({ ctx: owner.ctx, id: group.id, tenantIds: [contoso, fabrikam] });
    expect(await deliveriesFor(trigger.id, await raiseEvent(fabrikam))).toHaveLength(1);

    // Contoso leaves it: its next event is not.
    await setTenantGroupMembers({ ctx: owner.ctx, id: group.id, tenantIds: [fabrikam] });
    expect(await deliveriesFor(trigger.id, await raiseEvent(contoso))).toHaveLength(0);

    // A group emptied covers nothing (never every tenant).
    await setTenantGroupMembers({ ctx: owner.ctx, id: group.id, tenantIds: [] });
    expect(await deliveriesFor(trigger.id, await raiseEvent(fabrikam))).toHaveLength(0);

    // Scoped to one tenant instead: the chosen-tenant form keeps working.
    const one = await call(t.app, 'PUT', `/api/v1/triggers/${trigger.id}`, { token: owner.token, body: { tenantIds: [contoso], tenantGroupIds: null } });
    expect(one.status).toBe(200);
    expect(await deliveriesFor(trigger.id, await raiseEvent(contoso))).toHaveLength(1);
    expect(await deliveriesFor(trigger.id, await raiseEvent(fabrikam))).toHaveLength(0);
  }, 120_000);

  test('a group a trigger uses cannot be deleted; the answer names the triggers', async () => {
    const group = await createTenantGroup({ ctx: owner.ctx, input: { name: 'In use', tenantIds: [contoso] } });
    const ids: string[] = [];
    for (const name of ['Zeta alerts', 'Alpha alerts']) {
      const res = await call(t.app, 'POST', '/api/v1/triggers', {
        token: owner.token,
        body: { name, condition: "Event.Severity >= 'high'", tenantGroupIds: [group.id], actions: [emailAction] },
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const view = (await (await call(t.app, 'GET', `/api/v1/tenant-groups/${group.id}`, { token: owner.token })).json()) as Group;
    expect(view.triggers.map((x) => x.name)).toEqual(['Alpha alerts', 'Zeta alerts']);

    const refused = await call(t.app, 'DELETE', `/api/v1/tenant-groups/${group.id}`, { token: owner.token });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      'The group "In use" is the scope of the triggers "Alpha alerts", "Zeta alerts"; change their scope first, then delete the group.',
    );
    expect((await call(t.app, 'GET', `/api/v1/tenant-groups/${group.id}`, { token: owner.token })).status).toBe(200);

    for (const id of ids) expect((await call(t.app, 'PUT', `/api/v1/triggers/${id}`, { token: owner.token, body: { tenantGroupIds: [] } })).status).toBe(200);
    expect((await call(t.app, 'DELETE', `/api/v1/tenant-groups/${group.id}`, { token: owner.token })).status).toBe(204);
  });

  test('a group deleted while a trigger naming it is saved: exactly one of the two wins', async () => {
    for (let round = 0; round < 5; round++) {
      const group = await createTenantGroup({ ctx: owner.ctx, input: { name: `Race ${round}`, tenantIds: [contoso] } });
      const [removed, created] = await Promise.all([
        call(t.app, 'DELETE', `/api/v1/tenant-groups/${group.id}`, { token: owner.token }),
        call(t.app, 'POST', '/api/v1/triggers', {
          token: owner.token,
          body: { name: `Race trigger ${round}`, condition: "Event.Severity >= 'high'", tenantGroupIds: [group.id], actions: [emailAction] },
        }),
      ]);
      // Either the group went first (the trigger is refused) or the trigger did (the delete is refused).
      expect([
        [204, 400],
        [409, 201],
      ]).toContainEqual([removed.status, created.status]);
    }
  });

  test("a trigger cannot name another MSP's group", async () => {
    const theirs = await createTenantGroup({ ctx: other.ctx, input: { name: 'Theirs', tenantIds: [otherTenant] } });
    const res = await call(t.app, 'POST', '/api/v1/triggers', {
      token: owner.token,
      body: { name: 'Sneaky', condition: "Event.Severity >= 'high'", tenantGroupIds: [theirs.id], actions: [emailAction] },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('A tenant group of the scope was not found.');
  });
});
