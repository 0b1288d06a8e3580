import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appUser } from '../../db/schema/index.ts';
import { hashPassword } from '../../services/core/auth/passwords.ts';
import { resolveMicrosoftUser } from '../../services/core/auth/microsoft-user.ts';
import { call, createTestApp, type Member, seedMsp } from '../helpers/app.ts';

/** Emails are unique per MSP: one MSP learns nothing about another's addresses. */

let t: Awaited<ReturnType<typeof createTestApp>>;
let mspA: Member;
let mspB: Member;
beforeAll(async () => {
  t = await createTestApp();
  mspA = await seedMsp(t.database, 'owner', 'MSP A');
  mspB = await seedMsp(t.database, 'owner', 'MSP B');
});
afterAll(() => t.drop());

/** An active user at `mspId` with this email and password, as if they had accepted an invitation. */
async function account(mspId: string, email: string, password: string) {
  const [u] = await t.database.db
    .insert(appUser)
    .values({ mspId, email, role: 'technician', status: 'active', passwordHash: await hashPassword(password) })
    .returning();
  return u!;
}

const signIn = (body: Record<string, unknown>) => call(t.app, 'POST', '/api/v1/auth/sign-in', { body });

describe('emails per MSP', () => {
  test('another MSP can invite an address that exists elsewhere: no 409 to learn from', async () => {
    const res = await call(t.app, 'POST', '/api/v1/users', { token: mspB.token, body: { email: mspA.email, role: 'read_only' } });
    expect(res.status).toBe(201);
    // Within one MSP an address is still unique.
    expect((await call(t.app, 'POST', '/api/v1/users', { token: mspB.token, body: { email: mspA.email, role: 'read_only' } })).status).toBe(409);
    // The owner at MSP A signs in as before, to MSP A.
    const signedIn = await signIn({ email: mspA.email, password: mspA.password });
    expect(await signedIn.json()).toMatchObject({ msp: { id: mspA.mspId } });
  });

  test('one person in two MSPs signs in to the one their password opens', async () => {
    const email = 'two.msps@contoso.example';
    await account(mspA.mspId, email, 'password for msp a');
    await account(mspB.mspId, email, 'password for msp b');
    expect(await (await signIn({ email, password: 'password for msp b' })).json()).toMatchObject({ msp: { id: mspB.mspId, name: 'MSP B' } });
    expect(await (await signIn({ email, password: 'password for msp a' })).json()).toMatchObject({ msp: { id: mspA.mspId } });
    expect((await signIn({ email, password: 'neither password' })).status).toBe(401);
  });

  test('when the password opens both, they are asked which MSP, then signed in to that one', async () => {
    const email = 'same.password@contoso.example';
    await account(mspA.mspId, email, 'one password for both');
    await account(mspB.mspId, email, 'one password for both');
    const asked = await signIn({ email, password: 'one password for both' });
    expect(asked.status).toBe(200);
    expect(asked.headers.get('set-cookie')).toBeNull();
    expect(await asked.json()).toEqual({
      chooseMsp: true,
      msps: [
        { id: mspA.mspId, name: 'MSP A' },
        { id: mspB.mspId, name: 'MSP B' },
      ],
    });
    const chosen = await signIn({ email, password: 'one password for both', mspId: mspB.mspId });
    expect(await chosen.json()).toMatchObject({ msp: { id: mspB.mspId } });
  });

  test('Microsoft sign-in links the one account with the address, and none when several MSPs have it', async () => {
    const identity = (username: string, n: number) => ({
      tenantId: '11111111-1111-4111-8111-111111111111',
      objectId: `22222222-2222-4222-8222-${String(n).padStart(12, '0')}`,
      username,
      name: null,
    });
    const single = await account(mspA.mspId, 'only.here@contoso.example', 'whatever password');
    expect((await resolveMicrosoftUser(t.database.db, identity('only.here@contoso.example', 1))).id).toBe(single.id);

    const first = await account(mspA.mspId, 'in.both@contoso.example', 'whatever password');
    await account(mspB.mspId, 'in.both@contoso.example', 'another password');
    await expect(resolveMicrosoftUser(t.database.db, identity('in.both@contoso.example', 2))).rejects.toThrow(/several MSPs/);
    const [unlinked] = await t.database.db.select().from(appUser).where(eq(appUser.id, first.id));
    expect(unlinked!.msObjectId).toBeNull();
  });
});
