import type { EventSort } from './state';

/** The Report table's columns: what each shows and which sort its header sets. */
export const COLUMNS = [
  { key: 'lastSeen', label: 'Last seen', sort: 'lastSeen', fixed: true },
  { key: 'severity', label: 'Severity', sort: 'severity' },
  { key: 'title', label: 'Event', sort: 'detection', fixed: true },
  { key: 'tenant', label: 'Tenant', sort: 'tenant' },
  { key: 'user', label: 'User' },
  { key: 'ip', label: 'IP address' },
  { key: 'count', label: 'Count', sort: 'count' },
  { key: 'status', label: 'Status' },
  { key: 'firstSeen', label: 'First seen', sort: 'firstSeen' },
  { key: 'detection', label: 'Detection id' },
  { key: 'workload', label: 'Workload' },
  { key: 'operation', label: 'Operation' },
  { key: 'ticket', label: 'Ticket' },
] as const satisfies readonly { key: string; label: string; sort?: EventSort; fixed?: boolean }[];

export type ColumnKey = (typeof COLUMNS)[number]['key'];
const DEFAULT_COLUMNS: ColumnKey[] = ['lastSeen', 'severity', 'title', 'tenant', 'user', 'ip', 'count', 'status'];
const STORAGE_KEY = 'tenantwatch.report.columns';

function stored(): ColumnKey[] {
  try {
    const raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as unknown;
    if (!Array.isArray(raw)) return DEFAULT_COLUMNS;
    const known = new Set<string>(COLUMNS.map((c) => c.key));
    const keys = raw.filter((k): k is ColumnKey => typeof k === 'string' && known.has(k));
    return keys.length ? keys : DEFAULT_COLUMNS;
  } catch {
    return DEFAULT_COLUMNS;
  }
}

/** Which columns are shown, kept in this browser (localStorage) for next time. */
class ColumnChoice {
  visible = $state<ColumnKey[]>(stored());

  shown(key: ColumnKey): boolean {
    return this.visible.includes(key) || COLUMNS.some((c) => c.key === key && 'fixed' in c && c.fixed);
  }

  set(key: ColumnKey, on: boolean): void {
    this.visible = on ? [...new Set([...this.visible, key])] : this.visible.filter((k) => k !== key);
    this.#save();
  }

  reset(): void {
    this.visible = DEFAULT_COLUMNS;
    this.#save();
  }

  #save(): void {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.visible));
    } catch {
      // Private windows may refuse storage; the choice then lasts for this page only.
    }
  }
}

export const columns = new ColumnChoice();
