import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, createTestApp, addMember, type Member, seedMsp, signInCookie } from '../helpers/app.ts';
import { SseReader } from '../helpers/sse.ts';

/**
 * An open event stream answers to the credentials it was opened with for as long as it lasts:
 * a user disabled, a session signed out or a token revoked stops it; and one user cannot hold
 * an unbounded number of streams.
 */
const shutdown = new AbortController();
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
const open: SseReader[] = [];

beforeAll(async () => {
  // Checked every second here (a minute by default), so the test waits seconds, not minutes.
  t = await createTestApp({ TW_EVENT_STREAM_RECHECK_SECONDS: '1', TW_EVENT_STREAMS_PER_USER: '2' }, { shutdown: shutdown.signal });
  owner = await seedMsp(t.database, 'owner');
});
afterAll(async () => {
  shutdown.abort();
  await Promise.all(open.map((r) => r.close()));
  await t?.drop();
});

async function stream(auth: { token: string } | { cookie: string }) {
  const res = await call(t.app, 'GET', '/api/v1/events/stream', auth);
  expect(res.status).toBe(200);
  const reader = new SseReader(res);
  open.push(reader);
  expect((await reader.next(10_000))?.event).toBe('ready');
  return reader;
}

/** Reads until the stream ends; returns the last message it sent. */
async function untilEnd(reader: SseReader, ms = 30_000) {
  const deadline = Date.now() + ms;
  let last = null;
  while (!reader.done && Date.now() < deadline) last = (await reader.next(deadline - Date.now())) ?? last;
  return { done: reader.done, last };
}

describe('an open event stream', () => {
  test('closes when its user is disabled (token and session streams alike)', async () => {
    const tech = await addMember(t.database, owner.mspId, 'technician');
    const byToken = await stream({ token: tech.token });
    const bySession = await stream({ cookie: (await signInCookie(t.app, tech)).cookie });
    const disabled = await call(t.app, 'PATCH', `/api/v1/users/${tech.userId}`, { token: owner.token, body: { status: 'disabled' } });
    expect(disabled.status).toBe(200);
    for (const reader of [byToken, bySession]) {
      const { done, last } = await untilEnd(reader);
      expect(done).toBe(true);
      expect(last?.event).toBe('end');
    }
  }, 60_000);

  test('closes when its session is signed out', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const session = await signInCookie(t.app, member);
    const reader = await stream({ cookie: session.cookie });
    const out = await call(t.app, 'POST', '/api/v1/auth/sign-out', { cookie: session.cookie, csrf: session.csrf });
    expect(out.status).toBeLessThan(300);
    expect((await untilEnd(reader)).done).toBe(true);
  }, 60_000);

  test('an active user keeps the stream past a re-check', async () => {
    const member = await addMember(t.database, owner.mspId, 'read_only');
    const reader = await stream({ token: member.token });
    // Several re-checks pass (one a second) without the stream ending.
    expect(await reader.next(4_000)).toBeNull();
    expect(reader.done).toBe(false);
    await reader.close();
  }, 30_000);

  test('one user holds a limited number of streams at once; closing one frees its place', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const first = await stream({ token: member.token });
    await stream({ token: member.token });
    const third = await call(t.app, 'GET', '/api/v1/events/stream', { token: member.token });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ error: { code: 'rate_limited' } });
    await first.close();
    await expect
      .poll(
        async () => {
          const res = await call(t.app, 'GET', '/api/v1/events/stream', { token: member.token });
          if (res.status === 200) open.push(new SseReader(res));
          else await res.body?.cancel();
          return res.status;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(200);
  }, 60_000);
});
