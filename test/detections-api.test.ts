import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, createTestApp, type Member, seedMsp } from './helpers/app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
let reader: Member;
beforeAll(async () => {
  t = await createTestApp();
  reader = await seedMsp(t.database, 'read_only');
});
afterAll(() => t.drop());

test('GET /detections lists every built-in detection with its runbook', async () => {
  const res = await call(t.app, 'GET', '/api/v1/detections', { token: reader.token });
  expect(res.status).toBe(200);
  const { items } = (await res.json()) as { items: { id: string; mitre: string[]; howToReact: string; remediations: Record<string, string[]> }[] };
  expect(items.length).toBeGreaterThanOrEqual(31);
  const forwarding = items.find((d) => d.id === 'M365.Exchange.InboxRuleExternalForwarding');
  expect(forwarding?.mitre).toContain('TA0009:T1114.003');
  expect(forwarding?.howToReact.length).toBeGreaterThan(50);
  expect(forwarding?.remediations.inbox_rule).toEqual(expect.arrayContaining(['disable-inbox-rule']));
});

test('GET /language/fields serves the field reference for autocomplete', async () => {
  const res = await call(t.app, 'GET', '/api/v1/language/fields', { token: reader.token });
  const { items } = (await res.json()) as { items: { name: string; type: string }[] };
  expect(items.map((f) => f.name)).toEqual(expect.arrayContaining(['Event.EventType', 'Event.OperationResult', 'IP.CountryCode', 'User.IsAdmin']));
});

test('POST /language/check answers ok, or each error with its position', async () => {
  const ok = await call(t.app, 'POST', '/api/v1/language/check', {
    token: reader.token,
    body: { expression: "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'" },
  });
  expect(await ok.json()).toEqual({ ok: true, errors: [] });

  const bad = await call(t.app, 'POST', '/api/v1/language/check', { token: reader.token, body: { expression: "Event.EventType = AND IP.Contry = 'NL'" } });
  expect(bad.status).toBe(200);
  const body = (await bad.json()) as { ok: boolean; errors: { line: number; column: number; message: string; excerpt: string }[] };
  expect(body.ok).toBe(false);
  expect(body.errors[0]).toMatchObject({ line: 1, column: 19, message: expect.stringContaining('expected a value') });
  expect(body.errors[0]!.excerpt).toContain('^');
});
