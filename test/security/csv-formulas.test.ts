import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { securityEvent, tenant } from '../../db/schema/index.ts';
import { call, createTestApp, type Member, seedMsp } from '../helpers/app.ts';

/**
 * The CSV export carries attacker-written text (inbox-rule names, user names). Whatever separator
 * the reader's locale uses (`,`, `;`, tab, `|`), and whether or not it honours quotes, no piece of
 * an exported line may start a formula.
 */
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;

beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
  const [row] = await t.database.db
    .insert(tenant)
    .values({
      mspId: owner.mspId,
      tenantGuid: crypto.randomUUID(),
      name: 'Contoso',
      primaryDomain: 'contoso.com',
      authMode: 'secret',
      clientId: crypto.randomUUID(),
    })
    .returning();
  await t.database.db.insert(securityEvent).values({
    mspId: owner.mspId,
    tenantId: row!.id,
    detectionId: 'M365.Exchange.InboxRuleSuspiciousWords',
    title: 'Inbox rule x;=1+1; created',
    description: 'rule\t=HYPERLINK("http://evil.example")|@SUM(1)',
    severity: 'high',
    userName: 'megan; -2+3',
    networkAddress: '203.0.113.7',
    dedupKey: 'hostile-separators',
    firstSeenAt: new Date('2026-11-01T08:00:00Z'),
    lastSeenAt: new Date('2026-11-01T08:00:00Z'),
  });
});
afterAll(async () => {
  await t?.drop();
});

describe('CSV export in any locale', () => {
  test.each([',', ';', '\t', '|'])('split on %j, no cell starts a formula', async (separator) => {
    const res = await call(t.app, 'GET', '/api/v1/events/export.csv?status=all', { token: owner.token });
    expect(res.status).toBe(200);
    const line = (await res.text()).split('\r\n')[1]!;
    expect(line).toContain('x;');
    for (const piece of line.split(separator)) {
      expect(piece.replace(/^[\s"]+/, '')).not.toMatch(/^[=+\-@]/);
    }
  });
});
