/**
 * The pure heart of the engine: given a batch of records, the rules to run and what the state
 * already holds, work out the new facts and the findings. No database, no clock: the engine
 * (engine.ts) loads and stores around it, the rules' labelled cases run it in memory.
 */
import type { Severity } from '../../db/schema/index.ts';
import { normalizeRecord } from '../collector/normalize/index.ts';
import { SERIES } from './series.ts';
import type { DetectionSettings } from './settings.ts';
import { mergeSettings } from './settings.ts';
import type { PartialIpIntel } from '../../enrichment/ip/types.ts';
import type { IpIntelByAddress } from './ip-context.ts';
import type { CaseRecord, DetectionRecord, Finding, Observation, RegisteredRule, SeriesName, TenantContext } from './types.ts';

/** A rule ready to run for one tenant: enabled, its settings parsed. */
export type PreparedRule = { rule: RegisteredRule; settings: unknown; severity: Severity | undefined };

export function prepareRules(rules: readonly RegisteredRule[], settings: DetectionSettings): PreparedRule[] {
  const prepared: PreparedRule[] = [];
  for (const rule of rules) {
    const own = settings.rules[rule.id];
    if (own?.enabled === false) continue;
    prepared.push({ rule, settings: rule.settings.parse(own ?? {}), severity: own?.severity });
  }
  return prepared;
}

/** Series the prepared rules read, with the widest span any of them looks at. */
export function seriesSpans(rules: readonly PreparedRule[]): Map<SeriesName, { before: number; after: number }> {
  const spans = new Map<SeriesName, { before: number; after: number }>();
  // The tenant's learned domains feed every rule's `tenant.domains`.
  spans.set('tenant-domains', { before: Number.POSITIVE_INFINITY, after: Number.POSITIVE_INFINITY });
  for (const { rule, settings } of rules) {
    for (const read of rule.reads ?? []) {
      const span = spans.get(read.series) ?? { before: 0, after: 0 };
      span.before = Math.max(span.before, read.before(settings));
      span.after = Math.max(span.after, read.after(settings));
      spans.set(read.series, span);
    }
  }
  return spans;
}

/** In-memory facts by series and key; knows which facts are new (to be stored). */
export class StateView {
  private readonly facts = new Map<string, Map<string, Observation>>();
  private readonly sorted = new Map<string, Observation[]>();
  readonly added: { series: SeriesName; observation: Observation }[] = [];

  /** Facts already stored (loaded by the engine). */
  load(series: SeriesName, observation: Observation): void {
    this.put(series, observation);
  }

  /** A fact observed now; remembered as new unless it was known. */
  observe(series: SeriesName, observation: Observation): void {
    if (this.put(series, observation)) this.added.push({ series, observation });
  }

  all(series: SeriesName, key: string): readonly Observation[] {
    const id = `${series}\u0000${key}`;
    let list = this.sorted.get(id);
    if (!list) {
      list = [...(this.facts.get(id)?.values() ?? [])].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      this.sorted.set(id, list);
    }
    return list;
  }

  /** The facts of a key with `from <= at <= to`, oldest first (a binary search over `all`). */
  between(series: SeriesName, key: string, from: number, to: number): readonly Observation[] {
    const list = this.all(series, key);
    const first = (bound: number, inclusive: boolean) => {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const at = list[mid]!.at.getTime();
        if (at < bound || (!inclusive && at === bound)) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return list.slice(first(from, true), first(to, false));
  }

  private put(series: SeriesName, observation: Observation): boolean {
    const id = `${series}\u0000${observation.key}`;
    let byId = this.facts.get(id);
    if (!byId) this.facts.set(id, (byId = new Map()));
    if (byId.has(observation.id)) return false;
    byId.set(observation.id, observation);
    this.sorted.delete(id);
    return true;
  }
}

export type Match = { record: DetectionRecord; rule: RegisteredRule; finding: Finding; severity: Severity };

/** Index of rules by operation, so a record only meets the rules that can match it. */
function indexRules(rules: readonly PreparedRule[]) {
  const byOperation = new Map<string, PreparedRule[]>();
  const any: PreparedRule[] = [];
  for (const p of rules) {
    if (p.rule.on.operations === 'any') any.push(p);
    else
      for (const op of p.rule.on.operations) {
        const list = byOperation.get(op) ?? [];
        list.push(p);
        byOperation.set(op, list);
      }
  }
  return (record: DetectionRecord): PreparedRule[] => {
    const candidates = [...(byOperation.get(record.operation) ?? []), ...any];
    return candidates.filter((p) => !p.rule.on.sources || p.rule.on.sources.includes(record.source));
  };
}

/**
 * Runs the rules over a batch. Facts of the whole batch are recorded before any rule runs, so
 * a rule sees the records around its record in time, also those that arrived in the same batch
 * or earlier batches out of order; windows are then the same whatever the arrival order.
 */
export function evaluateBatch(
  records: readonly DetectionRecord[],
  rules: readonly PreparedRule[],
  tenant: TenantContext,
  state: StateView,
  ipIntel?: IpIntelByAddress,
): Match[] {
  const ordered = [...records].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.recordId < b.recordId ? -1 : 1));
  const spans = seriesSpans(rules);
  const ipOf = ipLookup(ipIntel);
  for (const record of ordered) {
    for (const series of spans.keys()) for (const o of SERIES[series].observe(record, ipOf)) state.observe(series, o);
  }
  const domains = new Set(tenant.domains);
  for (const o of state.all('tenant-domains', '*')) domains.add(o.id);
  const context: TenantContext = { ...tenant, domains };

  const candidatesOf = indexRules(rules);
  const noIp = () => null;
  const matches: Match[] = [];
  for (const record of ordered) {
    const found: Match[] = [];
    for (const p of candidatesOf(record)) {
      const readable = new Set((p.rule.reads ?? []).map((r) => r.series));
      const finding = p.rule.match(record, {
        settings: p.settings,
        tenant: context,
        window(series, key, from, to) {
          if (!readable.has(series)) throw new Error(`${p.rule.id} reads ${series} without declaring it`);
          return state.between(series, key, from.getTime(), to.getTime());
        },
        ip: p.rule.usesIpIntel ? ipOf : noIp,
      });
      if (finding) found.push({ record, rule: p.rule, finding, severity: p.severity ?? finding.severity ?? p.rule.severity });
    }
    // The more specific detection of the same activity wins (forwarding over "hides messages").
    const ids = new Set(found.map((m) => m.rule.id));
    matches.push(...found.filter((m) => !(m.rule.suppressedBy ?? []).some((id) => ids.has(id))));
  }
  return matches;
}

/** `ctx.ip`: the resolved intel of an address as a record carries it (ip-context.ts). */
function ipLookup(ipIntel: IpIntelByAddress | undefined): (address: string | null | undefined) => PartialIpIntel | null {
  if (!ipIntel || ipIntel.size === 0) return () => null;
  return (address) => (address ? (ipIntel.get(address) ?? null) : null);
}

/**
 * Runs rules over raw records in Microsoft's shapes, in memory, through the collector's own
 * normalisation: what the labelled cases (and any evaluation harness) use.
 * @example detectRecords([{ source: 'Audit.Exchange', raw: newInboxRule }], { rules: [inboxRuleForwarding], domains: ['contoso.com'] })
 */
export function detectRecords(
  records: readonly CaseRecord[],
  options: {
    rules: readonly RegisteredRule[];
    domains?: readonly string[];
    settings?: Record<string, unknown>;
    tenantId?: string;
    /** IP intelligence by client address (labelled, or resolved with ip-context.ts `resolveIpIntel`). */
    ipIntel?: IpIntelByAddress | Record<string, PartialIpIntel>;
    /** The tenant's directory user count; unknown by default. */
    userCount?: number | null;
  },
): Match[] {
  const settings = mergeSettings(options.settings ?? {});
  const tenantId = options.tenantId ?? '00000000-0000-4000-8000-000000000000';
  const detectionRecords: DetectionRecord[] = records.map((r, i) => {
    const normalized = normalizeRecord(r.source, r.raw);
    if (!normalized.ok) throw new Error(`case record ${i} does not normalise: ${normalized.reason}`);
    return { ...normalized.activity, activityId: `activity-${i}`, tenantId, source: r.source, raw: r.raw };
  });
  const tenant: TenantContext = {
    id: tenantId,
    domains: new Set([...(options.domains ?? []), ...settings.internalDomains].map((d) => d.toLowerCase())),
    breakGlassAccounts: new Set(settings.breakGlassAccounts),
    userCount: options.userCount ?? null,
  };
  const ipIntel = options.ipIntel instanceof Map ? options.ipIntel : new Map(Object.entries(options.ipIntel ?? {}));
  return evaluateBatch(detectionRecords, prepareRules(options.rules, settings), tenant, new StateView(), ipIntel);
}
