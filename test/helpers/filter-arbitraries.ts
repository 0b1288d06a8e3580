/**
 * fast-check generators shared by the property and fuzz tests: events full of awkward data and
 * random well-typed expressions over the field registry. Values come from small pools on purpose,
 * so random expressions hit random events often enough to tell the compilers apart.
 */
import fc from 'fast-check';
import { EVENT_STATUSES, SEVERITIES } from '../../db/schema/enums.ts';
import { FIELDS, type EntitySnapshot, type FieldDefinition, type FilterEntityKind, type FilterableEvent } from '../../services/language/fields.ts';

/** The fixed "now" both compilers get, so relative times mean the same instant. */
export const NOW_MS = Date.UTC(2026, 10, 15, 12, 0, 0);

/** Strings meant to trip up case folding, quoting, LIKE escaping and code point counting. */
export const AWKWARD_STRINGS = [
  'LoginAttempt',
  'loginattempt',
  'LOGINATTEMPT',
  'LockedOut',
  'Success',
  'PasswordInvalid',
  'megan@contoso.com',
  'Megan@Contoso.COM',
  'a%b',
  'a_b',
  'axb',
  '50%',
  '%',
  '_',
  "O'Brien",
  "''",
  'back\\slash',
  '\\',
  'Ärger',
  'ärger',
  'ÄRGER',
  'İstanbul',
  'istanbul',
  'ΣΑΣ',
  'σας',
  'Zürich',
  'ZÜRICH',
  '😀x',
  'x😀',
  '😀',
  'ǅ',
  '',
  ' ',
  'NL',
  'nl',
  'Nl',
  'US',
  'Exchange',
  'exchange',
  'Mail.Read',
  'Mail.ReadWrite',
  'Global Administrator',
  'TA0009:T1114.003',
  'Move to RSS',
  '\t tab',
  'line\nbreak',
  'ß',
  'SS',
  'ﬀ',
] as const;

const INSTANTS = [
  Date.UTC(2026, 10, 1),
  Date.UTC(2026, 10, 14, 12),
  Date.UTC(2026, 10, 15, 11, 59, 59, 999),
  NOW_MS,
  Date.UTC(2026, 10, 8, 12),
  Date.UTC(2025, 0, 1),
  Date.UTC(2026, 10, 15, 12, 0, 0, 1),
];
const NUMBERS = [0, 1, 2, 3, 10, 25, -5, 0.1, 0.30000000000000004, 0.3, 8075, 16509, 1e21, 52.37, -0.5];

/** A string with no U+0000 and no lone surrogate: what Postgres text can hold unchanged. */
const storableString = fc.string({ unit: 'binary', maxLength: 8 }).map((s) =>
  s
    .split(String.fromCharCode(0))
    .join('')
    .replace(/[\ud800-\udfff]/g, (c, i: number, all: string) => (isPaired(all, i) ? c : '')),
);

function isPaired(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) return (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
  return (s.charCodeAt(i - 1) & 0xfc00) === 0xd800;
}

export const awkwardString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...AWKWARD_STRINGS) },
  { weight: 1, arbitrary: storableString },
);
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null, freq: 4 });
const instant = fc.oneof(fc.constantFrom(...INSTANTS), fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }));
const numberValue = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NUMBERS) }, { weight: 1, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) });

/** A JSON value of the wrong type for the field, or of the right one: type guards must agree. */
function jsonValueFor(type: FieldDefinition['type']): fc.Arbitrary<unknown> {
  const right =
    type === 'number'
      ? numberValue
      : type === 'boolean'
        ? fc.boolean()
        : type === 'string[]'
          ? fc.array(fc.oneof({ weight: 6, arbitrary: awkwardString }, { weight: 1, arbitrary: fc.constantFrom(1, true, null) }), { maxLength: 3 })
          : awkwardString;
  const wrong = fc.constantFrom<unknown>(null, 7, 'true', true, ['NL'], { nested: 'x' }, '8075', '');
  return fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

function snapshotFor(kind: FilterEntityKind): fc.Arbitrary<Record<string, unknown> | null> {
  const fields = FIELDS.filter((f) => f.source.from === 'entity-snapshot' && f.source.entity === kind);
  const entries = Object.fromEntries(fields.map((f) => [(f.source as { key: string }).key, jsonValueFor(f.type)]));
  // Dotted keys are paths (`location.countryCode`): nest them, and sometimes make a parent the
  // wrong type, which both compilers must read as no value. Plain objects: drizzle needs them,
  // and fast-check may build records without a prototype.
  const parents = [
    ...new Set(
      Object.keys(entries)
        .filter((k) => k.includes('.'))
        .map((k) => k.split('.')[0]!),
    ),
  ];
  const brokenParents = fc
    .subarray(parents)
    .chain((names) => fc.tuple(...names.map((n) => fc.constantFrom<unknown>(null, 'NL', 7, ['x']).map((v) => [n, v] as const))));
  return fc.option(
    fc.tuple(fc.record(entries, { requiredKeys: [] }), brokenParents).map(([r, broken]) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(r)) {
        const path = key.split('.');
        let node = out;
        for (const step of path.slice(0, -1)) node = (node[step] ??= {}) as Record<string, unknown>;
        node[path.at(-1)!] = value;
      }
      for (const [name, value] of broken) out[name] = value;
      return out;
    }),
    { nil: null, freq: 5 },
  );
}

function entitiesFor(kind: FilterEntityKind, keys: readonly string[], max: number): fc.Arbitrary<EntitySnapshot[]> {
  return fc
    .uniqueArray(fc.constantFrom(...keys), { maxLength: max })
    .chain((chosen) => (chosen.length === 0 ? fc.constant([]) : fc.tuple(...chosen.map((key) => snapshotFor(kind).map((snapshot) => ({ key, snapshot }))))));
}

export const ENTITY_KEYS: Record<FilterEntityKind, readonly string[]> = {
  user: ['megan@contoso.com', 'Adele@Contoso.com', 'ärger@fabrikam.com'],
  app: ['app-1', 'app-2', 'APP-1x'],
  ip: ['203.0.113.7', '198.51.100.23', '2001:db8::1', '10.0.0.1'],
};

/** An event as the generator makes it: the stream's view, plus which tenant it belongs to. */
export type GeneratedEvent = FilterableEvent & { tenantIndex: number };

export const TENANT_NAMES = ['Contoso', 'CONTOSO ltd', 'Fäbrikam'] as const;

export const eventArbitrary: fc.Arbitrary<GeneratedEvent> = fc
  .record({
    tenantIndex: fc.integer({ min: 0, max: TENANT_NAMES.length - 1 }),
    detectionId: awkwardString,
    title: awkwardString,
    description: awkwardString,
    severity: fc.constantFrom(...SEVERITIES),
    status: fc.constantFrom(...EVENT_STATUSES),
    eventType: maybe(awkwardString),
    operationResult: maybe(awkwardString),
    userName: maybe(awkwardString),
    networkAddress: maybe(fc.oneof(fc.constantFrom(...ENTITY_KEYS.ip), awkwardString)),
    workload: maybe(awkwardString),
    operation: maybe(awkwardString),
    mitre: fc.array(awkwardString, { maxLength: 3 }),
    count: fc.oneof(fc.constantFrom(1, 2, 3, 10, 25), fc.integer({ min: -10, max: 1000 })),
    firstSeenAt: instant,
    lastSeenAt: instant,
    createdAt: instant,
    fields: fc
      .record(
        Object.fromEntries(FIELDS.filter((f) => f.source.from === 'event-fields').map((f) => [(f.source as { key: string }).key, jsonValueFor(f.type)])),
        { requiredKeys: [] },
      )
      .map((r) => ({ ...r })),
    user: entitiesFor('user', ENTITY_KEYS.user, 2),
    app: entitiesFor('app', ENTITY_KEYS.app, 2),
    ip: entitiesFor('ip', ENTITY_KEYS.ip, 3),
  })
  .map(({ firstSeenAt, lastSeenAt, createdAt, user, app, ip, ...rest }) => ({
    ...rest,
    tenantName: TENANT_NAMES[rest.tenantIndex] ?? null,
    firstSeenAt: new Date(firstSeenAt),
    lastSeenAt: new Date(lastSeenAt),
    createdAt: new Date(createdAt),
    entities: { user, app, ip },
  }));

// ---- expressions ----

/** Keywords in random case, so case-insensitivity is exercised on every run. */
const kw = (word: string): fc.Arbitrary<string> => fc.constantFrom(word, word.toLowerCase(), word[0] + word.slice(1).toLowerCase());
const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
/** The value with its ASCII case shuffled: `=` must still find it. */
const caseShuffled = (s: string): fc.Arbitrary<string> => fc.constantFrom(s, s.toUpperCase(), s.toLowerCase());

function textValue(field: FieldDefinition): fc.Arbitrary<string> {
  if (field.values) return fc.constantFrom(...field.values).chain(caseShuffled);
  const pool: string[] = [...AWKWARD_STRINGS, ...field.examples.map(String)];
  if (field.source.from === 'entity-key') pool.push(...ENTITY_KEYS[field.source.entity]);
  if (field.name === 'Event.Tenant') pool.push(...TENANT_NAMES);
  return fc.constantFrom(...pool).chain(caseShuffled);
}

/** A LIKE pattern made from a pool value: some characters become `_`/`%`, literal ones escaped. */
function likePattern(field: FieldDefinition): fc.Arbitrary<string> {
  return fc
    .tuple(textValue(field), fc.array(fc.constantFrom('keep', 'one', 'any', 'drop'), { minLength: 12, maxLength: 12 }), fc.boolean(), fc.boolean())
    .map(([value, plan, lead, trail]) => {
      let out = lead ? '%' : '';
      Array.from(value).forEach((ch, i) => {
        const step = plan[i % plan.length];
        if (step === 'one') out += '_';
        else if (step === 'any') out += '%';
        else if (step === 'keep') out += ch === '%' || ch === '_' || ch === '\\' ? `\\${ch}` : ch;
      });
      return out + (trail ? '%' : '');
    });
}

function numberLiteral(): fc.Arbitrary<string> {
  return numberValue.map((n) => (Object.is(n, -0) ? '0' : String(n)));
}

function timeLiteral(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...INSTANTS).map((ms) => quote(new Date(ms).toISOString())),
    fc.constantFrom(...INSTANTS).map((ms) => quote(new Date(ms).toISOString().slice(0, 10))),
    fc.constantFrom(...INSTANTS).map((ms) => quote(new Date(ms + 3_600_000).toISOString().replace('.000Z', '+01:00'))),
    fc.tuple(kw('NOW'), fc.constantFrom('', ' - 7d', ' - 24h', '-1d', ' + 1s', ' - 0s', ' - 1w', ' - 30m')).map(([now, rest]) => now + rest),
  );
}

/** One well-typed condition on a random field. */
export const conditionArbitrary: fc.Arbitrary<string> = fc.constantFrom(...FIELDS).chain((field) => {
  const name = fc.constantFrom(field.name, field.name.toLowerCase(), field.name.toUpperCase());
  const isNull = fc.tuple(name, kw('IS'), fc.option(kw('NOT')), kw('NULL')).map(([n, is, not, nul]) => `${n} ${is} ${not ? `${not} ` : ''}${nul}`);
  const options: fc.Arbitrary<string>[] = [isNull];
  const eqOps = fc.constantFrom('=', '<>', '!=');
  const ordOps = fc.constantFrom('<', '<=', '>', '>=');
  switch (field.type) {
    case 'string':
    case 'string[]': {
      const value = textValue(field).map(quote);
      options.push(fc.tuple(name, eqOps, value).map(([n, op, v]) => `${n} ${op} ${v}`));
      options.push(
        fc
          .tuple(name, fc.option(kw('NOT')), kw('IN'), fc.array(value, { minLength: 1, maxLength: 4 }))
          .map(([n, not, inn, vs]) => `${n} ${not ? `${not} ` : ''}${inn} (${vs.join(', ')})`),
      );
      if (field.ordered) options.push(fc.tuple(name, ordOps, value).map(([n, op, v]) => `${n} ${op} ${v}`));
      options.push(
        fc.tuple(name, fc.option(kw('NOT')), kw('LIKE'), likePattern(field)).map(([n, not, like, p]) => `${n} ${not ? `${not} ` : ''}${like} ${quote(p)}`),
      );
      options.push(
        fc
          .tuple(
            name,
            fc.option(kw('NOT')),
            kw('CONTAINS'),
            textValue(field).chain((v) =>
              fc.integer({ min: 0, max: v.length }).map((i) =>
                Array.from(v)
                  .slice(i, i + 3)
                  .join(''),
              ),
            ),
          )
          .map(([n, not, c, v]) => `${n} ${not ? `${not} ` : ''}${c} ${quote(v)}`),
      );
      break;
    }
    case 'number':
      options.push(fc.tuple(name, fc.oneof(eqOps, ordOps), numberLiteral()).map(([n, op, v]) => `${n} ${op} ${v}`));
      options.push(
        fc
          .tuple(name, fc.option(kw('NOT')), kw('IN'), fc.array(numberLiteral(), { minLength: 1, maxLength: 4 }))
          .map(([n, not, inn, vs]) => `${n} ${not ? `${not} ` : ''}${inn} (${vs.join(', ')})`),
      );
      break;
    case 'boolean':
      options.push(fc.tuple(name, eqOps, fc.oneof(kw('TRUE'), kw('FALSE'))).map(([n, op, v]) => `${n} ${op} ${v}`));
      options.push(name);
      break;
    case 'datetime':
      options.push(fc.tuple(name, fc.oneof(eqOps, ordOps), timeLiteral()).map(([n, op, v]) => `${n} ${op} ${v}`));
      break;
  }
  return fc.oneof(...options);
});

/** A random expression: conditions joined by AND / OR / NOT with parentheses, in random case. */
export const expressionArbitrary: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    conditionArbitrary,
    fc.tuple(tie('expr'), fc.constantFrom('AND', 'and', 'OR', 'or', 'Or'), tie('expr')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('expr').map((a) => `(${a})`),
    fc.tuple(kw('NOT'), tie('expr'), fc.boolean()).map(([not, a, paren]) => (paren ? `${not} (${a})` : `${not} ${a}`)),
  ),
})).expr;
