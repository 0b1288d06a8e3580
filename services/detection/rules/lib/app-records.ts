/** Reading application facts from consent and app-management records (both feeds). */
import { additionalDetail, asObject, asString, directoryTarget, modified, rawOf, unquote } from '../../records.ts';
import type { DetectionRecord } from '../../types.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The app a directory record is about: its application (client) id when the record says it
 * (additionalDetails AppId, `TargetId.ServicePrincipalNames`, `AppPrincipalId`, a bare GUID
 * target), its service principal's object id, and its display name.
 */
export function appOf(record: DetectionRecord): { appId: string | null; objectId: string | null; name: string | null; key: string } {
  const target = directoryTarget(record);
  const raw = rawOf(record);
  const spn = unquote(modified(record, 'TargetId.ServicePrincipalNames')?.newValue)
    .split(/[;,\s]/)
    .find((v) => GUID.test(v));
  const principal = unquote(modified(record, 'AppPrincipalId')?.newValue) || unquote(modified(record, 'AppId')?.newValue);
  const bareTarget = Array.isArray(raw.Target)
    ? raw.Target.map(asObject)
        .map((t) => asString(t?.ID))
        .find((id) => id !== null && GUID.test(id) && id.toLowerCase() !== target.id?.toLowerCase())
    : undefined;
  const appId = [additionalDetail(record, 'AppId'), spn, principal, bareTarget].find((v): v is string => !!v && GUID.test(v))?.toLowerCase() ?? null;
  const objectId = target.id && GUID.test(target.id) ? target.id.toLowerCase() : null;
  const name = target.name && !GUID.test(target.name) ? target.name : null;
  return { appId, objectId, name, key: appId ?? objectId ?? name ?? 'unknown app' };
}

/** Permissions in a consent record: every `Scope: a b c` in `ConsentAction.Permissions`. */
export function consentScopes(record: DetectionRecord): string[] {
  const text = modified(record, 'ConsentAction.Permissions')?.newValue ?? '';
  const scopes: string[] = [];
  for (const m of text.matchAll(/Scope:\s*([^,\]]*)/g)) scopes.push(...(m[1] ?? '').split(/\s+/).filter(Boolean));
  return [...new Set(scopes)];
}

export function consentFlag(record: DetectionRecord, name: string): boolean {
  return /^true$/i.test(unquote(modified(record, name)?.newValue));
}
