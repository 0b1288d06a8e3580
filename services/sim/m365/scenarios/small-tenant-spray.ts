/**
 * `small-tenant-spray`: a nine-person company at Fabrikam on an ordinary day. In the early
 * morning a password spray from one DigitalOcean droplet tries every account once over legacy
 * authentication with a scripting library's user agent; the office manager's password is right
 * and Entra answers "MFA required". Nine accounts never reach the ten a large tenant's spray
 * threshold wants: the product must scale it to the tenant (its directory counts nine users).
 * small-tenant-spray.expectations.json lists the security events a correct product raises.
 */
import type { AppConsent, TenantScenario } from '../state.ts';
import { FABRIKAM } from './baseline.ts';
import { APPS, DEVICES, signInRecords } from './builders.ts';
import { ATTACKER_NETWORKS } from './network.ts';
import { generateTenantDay } from './tenant-day.ts';

/** Facts of the story that small-tenant-spray.expectations.json refers to. */
export const SMALL_TENANT_SPRAY = {
  users: 9,
  /** The droplet the spray comes from. */
  sprayIp: '159.203.84.61',
} as const;

export interface SmallTenantSprayOptions {
  seed?: string | number;
  day?: string;
  consents: AppConsent[];
}

export function smallTenantSprayScenario(options: SmallTenantSprayOptions): TenantScenario & { victimUpn: string } {
  const day = generateTenantDay({
    seed: options.seed ?? 'small-tenant-spray',
    day: options.day ?? '2024-05-06',
    userCount: SMALL_TENANT_SPRAY.users,
    ctx: { ...FABRIKAM },
    consents: options.consents,
  });
  const { ctx, prng: p } = day;
  const at = (hhmm: string, seconds = 0): number => Date.parse(`${new Date(day.dayStart).toISOString().slice(0, 10)}T${hhmm}:00Z`) + seconds * 1000;
  const people = day.people;
  const victim = people[people.length - 1]!;
  // One attempt per account, 40 seconds apart; the last account's password is right.
  people.forEach((person, i) => {
    const when = at('05:12', i * 40);
    const errorCode = person === victim ? 50074 : 50126;
    const { graph, audit } = signInRecords(ctx, p, {
      person,
      at: when,
      network: ATTACKER_NETWORKS.hostingSpray,
      app: APPS.legacyRopc,
      device: DEVICES.sprayTool,
      errorCode,
      ipAddress: SMALL_TENANT_SPRAY.sprayIp,
    });
    day.signIns.push(graph);
    day.publish(audit, when);
  });
  return { ...day.toScenario(), victimUpn: victim.user.userPrincipalName };
}
