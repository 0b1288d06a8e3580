/** Pieces several rules share: remediation sets, entity helpers, settings helpers. */
import { z } from 'zod';
import type { EntityRef, RemediationAction } from '../../types.ts';

/** What to offer for an account that may be in an attacker's hands. */
export const ACCOUNT_TAKEOVER: readonly RemediationAction[] = [
  'revoke-sessions',
  'reset-password',
  'block-sign-in',
  'require-mfa-reregistration',
  'confirm-compromised',
];

export const user = (upn: string, remediations?: readonly RemediationAction[]): EntityRef => ({
  kind: 'user',
  key: upn.toLowerCase(),
  ...(remediations ? { remediations } : {}),
});
export const ip = (address: string): EntityRef => ({ kind: 'ip', key: address });

/** A rule without thresholds still has a (empty) settings schema: severity and enabled are common. */
export const noSettings = z.object({});

/** A positive whole number setting with a default. */
export const count = (value: number) => z.number().int().positive().default(value);
export const minutes = (value: number) => z.number().positive().default(value);
