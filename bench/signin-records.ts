/**
 * Seeded unified audit log sign-in records (RecordType 15, `UserLoggedIn` / `UserLoginFailed`)
 * in the shape Search-UnifiedAuditLog exports them (about 1.45 KB of JSON each): the same
 * seed gives the same records on every machine.
 */

/** mulberry32: a small seeded generator, good enough to spread users and addresses. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function guid(next: () => number): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () =>
      Math.floor(next() * 16)
        .toString(16)
        .toLowerCase(),
    ).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(next() * 4)]}${hex(3)}-${hex(12)}`;
}

export type SignInRecordOptions = {
  count: number;
  seed?: number;
  users?: number;
  addresses?: number;
  /** Share of failed sign-ins (wrong password, AADSTS50126). */
  failedShare?: number;
  /** The first record's time; records follow every `spacingMs`. */
  start?: Date;
  spacingMs?: number;
  domain?: string;
};

/** `count` sign-in records, oldest first, generated as they are read (a million need not fit in memory). */
export function* signInRecords(options: SignInRecordOptions): Generator<Record<string, unknown>> {
  const next = random(options.seed ?? 16);
  const users = options.users ?? 500;
  const addresses = Array.from({ length: options.addresses ?? 7 }, (_, i) => `198.51.100.${10 + i * 17}`);
  const failedShare = options.failedShare ?? 0.1;
  const start = (options.start ?? new Date(Date.UTC(2026, 10, 2))).getTime();
  const spacing = options.spacingMs ?? 6_000;
  const domain = options.domain ?? 'contoso.example';
  const organizationId = guid(next);
  const applicationId = '00000002-0000-0ff1-ce00-000000000000';
  const userIds = Array.from({ length: users }, () => guid(next));
  for (let n = 0; n < options.count; n++) {
    const u = Math.floor(next() * users);
    const upn = `user${u}@${domain}`;
    const ip = addresses[Math.floor(next() * addresses.length)]!;
    const failed = next() < failedShare;
    const id = guid(next);
    yield {
      CreationTime: new Date(start + n * spacing).toISOString().slice(0, 19),
      Id: id,
      Operation: failed ? 'UserLoginFailed' : 'UserLoggedIn',
      OrganizationId: organizationId,
      RecordType: 15,
      ResultStatus: failed ? 'Failed' : 'Success',
      UserKey: userIds[u],
      UserType: 0,
      Version: 1,
      Workload: 'AzureActiveDirectory',
      ClientIP: ip,
      ObjectId: applicationId,
      UserId: upn,
      AzureActiveDirectoryEventType: 1,
      ExtendedProperties: [
        { Name: 'ResultStatusDetail', Value: failed ? 'UserError' : 'Success' },
        {
          Name: 'UserAgent',
          Value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
        },
        { Name: 'RequestType', Value: 'OAuth2:Authorize' },
      ],
      ModifiedProperties: [],
      Actor: [
        { ID: userIds[u], Type: 0 },
        { ID: upn, Type: 5 },
      ],
      ActorContextId: organizationId,
      ActorIpAddress: ip,
      InterSystemsId: guid(next),
      IntraSystemId: id,
      SupportTicketId: '',
      Target: [{ ID: applicationId, Type: 0 }],
      TargetContextId: organizationId,
      ApplicationId: '4765445b-32c6-49b0-83e6-1d93765276ca',
      DeviceProperties: [
        { Name: 'OS', Value: 'Windows10' },
        { Name: 'BrowserType', Value: 'Edge' },
        { Name: 'IsCompliantAndManaged', Value: 'False' },
        { Name: 'SessionId', Value: guid(next) },
      ],
      ErrorNumber: failed ? '50126' : '0',
      ...(failed ? { LogonError: 'InvalidUserNameOrPassword' } : {}),
    };
  }
}

/** The records in chunks of `size`. */
export function* chunked<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
