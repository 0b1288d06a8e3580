import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activity, auditLog, importRun } from '../db/schema/index.ts';
import { createNodeApp } from '../services/api/node.ts';
import { createLogger } from '../services/log.ts';
import { addMember, call, createTestApp, type Member, sampleTenant, secrets, seedMsp, signInCookie } from './helpers/app.ts';

/**
 * Audit-file imports through the API: the file is the request body (past the 1 MB JSON limit, up
 * to TW_IMPORT_MAX_BYTES), the import runs in the background, its progress and summary are read
 * back, each import is audited, and one MSP never sees another's.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'tw-imports-api-'));
const MAX_BYTES = 3_000_000;
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let tech: Member;
let readOnly: Member;
let other: Member;
let tenantId: string;
let otherTenantId: string;

type ImportView = {
  id: string;
  status: string;
  tenantName: string;
  fileName: string;
  imported: number;
  duplicates: number;
  quarantined: number;
  quarantine: { at: { unit: string; number: number }; reason: string }[];
  unread: string | null;
  recordsRead: number;
  complete: boolean;
  summaryLines: string[];
  error: string | null;
  startedBy: string | null;
};

const record = (n: number) => ({
  Id: `7d1c0b2a-0000-4000-8000-${String(n).padStart(12, '0')}`,
  CreationTime: '2026-11-20T08:00:00',
  Operation: 'UserLoggedIn',
  RecordType: 15,
  Workload: 'AzureActiveDirectory',
  UserId: 'adele@contoso.com',
  ClientIP: '203.0.113.5',
});
const csvField = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** 100 good rows, a row with a stray quote (line 102), 100 good rows. */
function badRowCsv(): string {
  const row = (n: number) =>
    [`rec-${n}`, '2026-11-20T08:00:00.0000000Z', 'AzureActiveDirectoryStsLogon', 'UserLoggedIn', 'adele@contoso.com', csvField(JSON.stringify(record(n)))].join(
      ',',
    );
  const lines = ['RecordId,CreationDate,RecordType,Operation,UserId,AuditData'];
  for (let n = 1; n <= 100; n += 1) lines.push(row(n));
  lines.push(
    ['rec-bad', '2026-11-20T08:00:00.0000000Z', 'AzureActiveDirectoryStsLogon', 'UserLoggedIn', 'Us"er', csvField(JSON.stringify(record(999)))].join(','),
  );
  for (let n = 101; n <= 200; n += 1) lines.push(row(n));
  return lines.join('\r\n') + '\r\n';
}

function upload(member: Member, target: string, fileName: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  return t.app.request(`http://localhost:8787/api/v1/tenants/${target}/imports?fileName=${encodeURIComponent(fileName)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${member.token}`, 'content-type': 'application/octet-stream', ...headers },
    body,
  });
}

/** Polls the run until it has finished (no fixed sleeps: a generous deadline). */
async function finished(member: Member, id: string): Promise<ImportView> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const res = await call(t.app, 'GET', `/api/v1/imports/${id}`, { token: member.token });
    expect(res.status).toBe(200);
    const view = (await res.json()) as ImportView;
    if (view.status === 'done' || view.status === 'failed') return view;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${view.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  t = await createTestApp({ TW_DATA_DIR: dataDir, TW_IMPORT_MAX_BYTES: String(MAX_BYTES) });
  owner = await seedMsp(t.database, 'owner', 'Northwind');
  tech = await addMember(t.database, owner.mspId, 'technician');
  readOnly = await addMember(t.database, owner.mspId, 'read_only');
  other = await seedMsp(t.database, 'owner', 'Tailspin');
  const made = await call(t.app, 'POST', '/api/v1/tenants', { token: owner.token, body: sampleTenant(1) });
  tenantId = ((await made.json()) as { id: string }).id;
  const theirs = await call(t.app, 'POST', '/api/v1/tenants', { token: other.token, body: sampleTenant(2) });
  otherTenantId = ((await theirs.json()) as { id: string }).id;
}, 120_000);
afterAll(async () => {
  await t.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('POST /tenants/{id}/imports', () => {
  test('a technician uploads a CSV with one malformed row: 202, then 200 imported, the bad row quarantined with its line, and an audit entry', async () => {
    const res = await upload(tech, tenantId, 'audit export.csv', badRowCsv());
    expect(res.status, await res.clone().text()).toBe(202);
    const accepted = (await res.json()) as ImportView;
    expect(accepted).toMatchObject({ fileName: 'audit export.csv', tenantName: 'Contoso 1', startedBy: tech.email });
    expect(['queued', 'running', 'done']).toContain(accepted.status);

    const run = await finished(tech, accepted.id);
    expect(run).toMatchObject({ status: 'done', imported: 200, duplicates: 0, quarantined: 1, unread: null, recordsRead: 201, complete: false, error: null });
    expect(run.quarantine).toEqual([{ at: { unit: 'line', number: 102 }, reason: expect.stringMatching(/not valid CSV/) }]);
    // The same lines as the command line prints.
    expect(run.summaryLines[0]).toBe('Imported 200 records into Contoso 1 from audit export.csv (purview-csv): 0 already stored, 1 quarantined.');
    expect(run.summaryLines).toContainEqual(expect.stringMatching(/^ {2}line 102: the row is not valid CSV/));
    expect(run.summaryLines.at(-1)).toBe('Detection: 200 records examined, 0 events raised, 0 events updated.');
    expect(await t.database.db.select({ id: activity.id }).from(activity).where(eq(activity.tenantId, tenantId))).toHaveLength(200);

    const [entry] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'tenant.import'), eq(auditLog.mspId, owner.mspId)));
    expect(entry).toMatchObject({
      actorType: 'token',
      targetType: 'tenant',
      targetId: tenantId,
      details: expect.objectContaining({
        importId: run.id,
        fileName: 'audit export.csv',
        status: 'done',
        read: 201,
        imported: 200,
        quarantined: 1,
        duplicates: 0,
      }),
    });
    expect(entry!.requestId).toBeTruthy();

    // The uploaded file is not kept once it has been read.
    const again = await finished(tech, ((await (await upload(tech, tenantId, 'again.csv', badRowCsv())).json()) as ImportView).id);
    expect(again).toMatchObject({ imported: 0, duplicates: 200, quarantined: 1 });
  }, 180_000);

  test('a file over the 1 MB JSON body limit is accepted; one over TW_IMPORT_MAX_BYTES is refused with 413 and leaves no run', async () => {
    const line = (n: number) => JSON.stringify({ ...record(10_000 + n), Padding: 'x'.repeat(400) });
    const big = Array.from({ length: 3_000 }, (_, i) => line(i)).join('\n');
    expect(big.length).toBeGreaterThan(1_048_576);
    expect(big.length).toBeLessThan(MAX_BYTES);
    const res = await upload(owner, tenantId, 'big.jsonl', big);
    expect(res.status, await res.clone().text()).toBe(202);
    expect(await finished(owner, ((await res.json()) as ImportView).id)).toMatchObject({ status: 'done', imported: 3_000, complete: true });

    const before = (await t.database.db.select().from(importRun)).length;
    const tooBig = await upload(owner, tenantId, 'huge.jsonl', 'x'.repeat(MAX_BYTES + 1));
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ error: { code: 'payload_too_large', message: expect.stringMatching(/TW_IMPORT_MAX_BYTES/) } });
    // Also without a Content-Length up front (a streamed body): counted while it arrives.
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i += 1) controller.enqueue(new TextEncoder().encode('y'.repeat(MAX_BYTES / 2)));
        controller.close();
      },
    });
    const chunked = await t.app.request(`http://localhost:8787/api/v1/tenants/${tenantId}/imports?fileName=s.jsonl`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}` },
      body: streamed,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await t.database.db.select().from(importRun)).length).toBe(before);
  }, 180_000);

  test('a truncated JSON export and a file that is no export: the good part is kept, the run says why', async () => {
    const full = JSON.stringify([1, 2, 3].map((n) => record(500 + n)));
    const cut = await finished(
      owner,
      ((await (await upload(owner, tenantId, 'cut.json', full.slice(0, full.lastIndexOf('{"Id"') + 30))).json()) as ImportView).id,
    );
    expect(cut).toMatchObject({ status: 'done', imported: 2, complete: false, unread: expect.stringMatching(/not valid JSON after record 2/) });
    expect(cut.summaryLines).toContainEqual(expect.stringMatching(/^NOT READ TO THE END/));

    // The name is a label, never a path: only its last segment, without control characters.
    const notes = await finished(owner, ((await (await upload(owner, tenantId, '..\\..\\notes\u0007.txt', 'Dear diary,\n')).json()) as ImportView).id);
    expect(notes.fileName).toBe('notes.txt');
    expect(notes).toMatchObject({ status: 'failed', error: expect.stringMatching(/not an audit export/) });
  }, 180_000);

  test('a JSON export sent as application/json (what a browser sends for a .json file) is imported as a file', async () => {
    const json = JSON.stringify([1, 2].map((n) => record(700 + n)));
    const res = await upload(owner, tenantId, 'export.json', json, { 'content-type': 'application/json' });
    expect(res.status).toBe(202);
    expect(await finished(owner, ((await res.json()) as ImportView).id)).toMatchObject({ status: 'done', imported: 2, complete: true });
  }, 180_000);

  test('read-only users cannot import; a session needs the CSRF token; another MSP gets 404 for the tenant and the import', async () => {
    expect((await upload(readOnly, tenantId, 'a.csv', badRowCsv())).status).toBe(403);
    expect((await upload(other, tenantId, 'a.csv', badRowCsv())).status).toBe(404);
    expect((await upload(owner, otherTenantId, 'a.csv', badRowCsv())).status).toBe(404);
    expect((await upload(owner, 'not-a-uuid', 'a.csv', badRowCsv())).status).toBe(404);

    const session = await signInCookie(t.app, owner);
    const path = `/api/v1/tenants/${tenantId}/imports?fileName=s.jsonl`;
    const body = JSON.stringify(record(900));
    expect((await t.app.request(`http://localhost:8787${path}`, { method: 'POST', headers: { cookie: session.cookie }, body })).status).toBe(403);
    const ok = await t.app.request(`http://localhost:8787${path}`, { method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, body });
    expect(ok.status).toBe(202);
    const mine = (await ok.json()) as ImportView;
    await finished(owner, mine.id);

    expect((await call(t.app, 'GET', `/api/v1/imports/${mine.id}`, { token: other.token })).status).toBe(404);
    expect((await call(t.app, 'GET', `/api/v1/imports/${mine.id}`, { token: readOnly.token })).status).toBe(403);
    const theirList = (await (await call(t.app, 'GET', `/api/v1/imports?tenant=${tenantId}`, { token: other.token })).json()) as { items: ImportView[] };
    expect(theirList.items).toEqual([]);
    const ourList = (await (await call(t.app, 'GET', `/api/v1/imports?tenant=${tenantId}&limit=2`, { token: tech.token })).json()) as {
      items: ImportView[];
      nextCursor: string | null;
    };
    expect(ourList.items[0]!.id).toBe(mine.id);
    expect(ourList.nextCursor).not.toBeNull();
    const next = (await (
      await call(t.app, 'GET', `/api/v1/imports?tenant=${tenantId}&limit=100&cursor=${ourList.nextCursor}`, { token: tech.token })
    ).json()) as { items: ImportView[] };
    expect(next.items.map((i) => i.id)).not.toContain(mine.id);
    expect(next.items.length).toBeGreaterThan(2);
  }, 180_000);

  test('a run left running by a stopped process is failed when the server starts again', async () => {
    const [left] = await t.database.db
      .insert(importRun)
      .values({
        mspId: owner.mspId,
        tenantId,
        actorType: 'user',
        actorId: owner.userId,
        userId: owner.userId,
        fileName: 'crash.csv',
        sizeBytes: 10,
        status: 'running',
        startedAt: new Date(Date.now() - 600_000),
        heartbeatAt: new Date(Date.now() - 600_000),
      })
      .returning();
    const log = createLogger({ logLevel: 'silent' });
    const restarted = createNodeApp({ config: t.config, database: t.database, secrets, log, metrics: new Registry() });
    const deadline = Date.now() + 30_000;
    let view: ImportView | undefined;
    while (Date.now() < deadline) {
      view = (await (
        await restarted.request(`http://localhost:8787/api/v1/imports/${left!.id}`, { headers: { authorization: `Bearer ${owner.token}` } })
      ).json()) as ImportView;
      if (view.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(view).toMatchObject({ status: 'failed', error: 'interrupted; import the file again — records already stored are skipped' });
  }, 180_000);
});
