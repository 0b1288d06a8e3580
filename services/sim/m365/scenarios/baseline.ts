/** `baseline`: 300 users at Contoso on an ordinary day, nothing suspicious. */
import type { AppConsent, TenantScenario } from '../state.ts';
import { generateTenantDay, type TenantDay } from './tenant-day.ts';

export const CONTOSO = {
  tenantId: 'a7d1c0de-3c4f-4b1e-9f2a-5b6c7d8e9f01',
  displayName: 'Contoso Ltd',
  initialDomain: 'contoso.onmicrosoft.com',
  domain: 'contoso.com',
} as const;

export const FABRIKAM = {
  tenantId: 'c3f0b9e2-8d1a-4f6b-b7c5-2e4d6f8a0b1c',
  displayName: 'Fabrikam, Inc.',
  initialDomain: 'fabrikam.onmicrosoft.com',
  domain: 'fabrikam.com',
} as const;

export interface BaselineOptions {
  seed?: string | number;
  day?: string;
  users?: number;
  consents: AppConsent[];
  tenant?: { tenantId: string; displayName: string; initialDomain: string; domain: string };
}

export function baselineDay(options: BaselineOptions): TenantDay {
  return generateTenantDay({
    seed: options.seed ?? 'baseline',
    day: options.day ?? '2024-05-06',
    userCount: options.users ?? 300,
    ctx: { ...(options.tenant ?? CONTOSO) },
    consents: options.consents,
  });
}

export function baselineScenario(options: BaselineOptions): TenantScenario {
  return baselineDay(options).toScenario();
}
