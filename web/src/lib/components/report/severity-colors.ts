import type { Severity } from '$lib/report/state';

/** Chart colours per severity, matching SeverityBadge's text colours. */
export const SEVERITY_COLORS = {
  critical: '#b42318',
  high: '#e0620d',
  medium: '#d9a100',
  low: '#2e90fa',
  informational: '#98a2b3',
} as const satisfies Record<Severity, string>;
