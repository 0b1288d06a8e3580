/** Exchange admin cmdlet rules share their trigger and their reading of switch values. */
import type { ActivitySource } from '../../../../db/schema/index.ts';

/** Exchange admin cmdlets: the audit log's Audit.Exchange records and imports of them. */
export const EXCHANGE_ADMIN_SOURCES: readonly ActivitySource[] = ['Audit.Exchange', 'import'];

/** `$true`, `True`, `1`: a switch or boolean parameter turned on. */
export const isOn = (v: string | null): boolean => v !== null && /^\$?(true|1)$/i.test(v.trim());
/** `$false`, `False`, `0`: turned off. */
export const isOff = (v: string | null): boolean => v !== null && /^\$?(false|0)$/i.test(v.trim());
