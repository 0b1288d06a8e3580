/**
 * Prints how fast compiled filters run over in-memory events (the stream's hot path) and how
 * fast expressions parse and compile. Figures, not assertions:
 * `npx tsx bench/filter-language.ts`.
 */
import { compileToPredicate, parseFilter, type FilterableEvent } from '../services/language/index.ts';

const EXPRESSIONS = {
  'trigger (two equalities)': "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'",
  'whitelist (LIKE, IN over IPs)':
    "Event.Detection = 'M365.SignIn.NewCountry' AND IP.CountryCode IN ('NL', 'BE', 'DE') AND Event.UserName LIKE '%@contoso.com'",
  'custom detection (7 conditions)':
    "Event.Severity >= 'medium' AND Event.Time > NOW - 7d AND (IP.IsAnonymous OR IP.UsageType = 'hosting') AND NOT User.IsBreakGlass AND Event.Count >= 3 AND Event.UserAgent NOT CONTAINS 'okhttp'",
};

function makeEvents(n: number): FilterableEvent[] {
  const results = ['Success', 'PasswordInvalid', 'LockedOut', 'OneTimePasswordInvalid'];
  const countries = ['NL', 'US', 'BE', 'NG', 'DE'];
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    id: `e${i}`,
    eventType: i % 5 === 0 ? 'ChangePasswordAttempt' : 'LoginAttempt',
    operationResult: results[i % results.length] ?? null,
    userName: i % 3 === 0 ? `user${i}@fabrikam.com` : `user${i}@contoso.com`,
    detectionId: i % 2 === 0 ? 'M365.SignIn.NewCountry' : 'M365.SignIn.BruteForce',
    severity: (['low', 'medium', 'high', 'critical'] as const)[i % 4] ?? 'low',
    count: i % 7,
    lastSeenAt: new Date(now - (i % 14) * 86_400_000),
    fields: { userAgent: i % 9 === 0 ? 'okhttp/4.9' : 'Mozilla/5.0' },
    entities: {
      ip: Array.from({ length: 1 + (i % 2) }, (_, k) => ({
        key: `203.0.113.${(i + k) % 250}`,
        snapshot: { countryCode: countries[(i + k) % countries.length], isAnonymous: (i + k) % 11 === 0, usageType: (i + k) % 4 === 0 ? 'hosting' : 'isp' },
      })),
      user: [{ key: `user${i}@contoso.com`, snapshot: { isBreakGlass: i % 50 === 0 } }],
    },
  }));
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function runPredicateBenchmark(): void {
  const events = makeEvents(10_000);
  console.log(`\n## Filter language: JS predicate (node ${process.version})`);
  for (const [label, text] of Object.entries(EXPRESSIONS)) {
    const predicate = compileToPredicate(parseFilter(text));
    let hits = 0;
    // Warm up, then time enough rounds to run for about a second.
    for (let r = 0; r < 20; r++) for (const e of events) if (predicate(e)) hits++;
    hits = 0;
    const rounds = 100;
    const start = performance.now();
    for (let r = 0; r < rounds; r++) for (const e of events) if (predicate(e)) hits++;
    const seconds = (performance.now() - start) / 1000;
    console.log(`${label}: ${fmt((rounds * events.length) / seconds)} evaluations/s (${fmt(hits / rounds)} of ${events.length} match)`);
  }
  const texts = Object.values(EXPRESSIONS);
  const start = performance.now();
  let compiled = 0;
  while (performance.now() - start < 1000) {
    for (const text of texts) {
      compileToPredicate(parseFilter(text));
      compiled++;
    }
  }
  console.log(`parse + check + compile: ${fmt(compiled / ((performance.now() - start) / 1000))} expressions/s`);
}

if (import.meta.url === `file://${process.argv[1]}`) runPredicateBenchmark();
