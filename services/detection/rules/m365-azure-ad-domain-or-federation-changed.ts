import { directoryOccurrence, directoryTarget, operationKey, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/** Changes to how a domain signs users in: federation lets an outside identity provider mint tokens for every user. */
const FEDERATION = new Set(['set domain authentication', 'set federation settings on domain', 'update domain']);
const DOMAIN_ADDED = new Set(['add domain to company', 'add unverified domain', 'add verified domain', 'verify domain']);

/**
 * A domain added to the tenant, or a domain's authentication switched to federation or its
 * federation settings changed: the Golden SAML / "federated backdoor" path (MITRE T1484.002).
 */
export const domainOrFederationChanged = defineRule({
  id: 'M365.AzureAD.DomainOrFederationChanged',
  title: 'Domain added or domain federation changed',
  severity: 'high',
  mitre: ['TA0004:T1484.002', 'TA0005:T1484.002'],
  description: "A domain was added or verified in the tenant, or a domain's authentication (managed/federated) or federation settings changed.",
  howToReact: [
    "1. Check the domain and the change with the tenant's IT contact: adding a domain happens during a rebrand or migration and is planned; federation changes are rare and must be planned.",
    "2. If unplanned: revert the federation settings (Update-MgDomainFederationConfiguration / back to managed) or remove the domain, and treat the actor as compromised: revoke sessions, reset the password, review the actor's roles.",
    '3. Check sign-ins since the change for users of that domain authenticating through the new identity provider.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: onDirectoryAudit(
    'Add domain to company',
    'Add unverified domain',
    'Add verified domain',
    'Verify domain',
    'Set domain authentication',
    'Set federation settings on domain',
    'Update domain',
  ),
  match(record) {
    if (!succeeded(record)) return null;
    const op = operationKey(record.operation);
    const federation = FEDERATION.has(op);
    if (!federation && !DOMAIN_ADDED.has(op)) return null;
    const domain = (directoryTarget(record).name ?? record.target ?? 'unknown domain').toLowerCase();
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: user(actor),
      dedupKey: `${domain}|${federation ? 'federation' : 'added'}`,
      severity: federation ? 'high' : 'medium',
      description: `${actor} ${federation ? 'changed the authentication or federation settings of' : 'added or verified'} domain ${domain} (${record.operation.replace(/\.$/, '')}).`,
      eventType: 'DomainChange',
      operationResult: 'Success',
      target: domain,
      fields: { domain },
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
