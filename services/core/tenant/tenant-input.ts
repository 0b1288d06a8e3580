import { z } from 'zod';

/** A DNS name such as contoso.com or contoso.onmicrosoft.com. */
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, 'expected a domain name such as contoso.com');

const clientId = z.uuid({ message: 'expected the application (client) id, a GUID' });

/** How Tenantwatch reaches the tenant: the MSP's multi-tenant app (consent) or the tenant's own app. */
export const tenantAuthInput = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('consent') }),
  /** Import-only: no access to Microsoft; the tenant holds the exports imported into it. */
  z.object({ mode: z.literal('import') }),
  z.object({ mode: z.literal('secret'), clientId, clientSecret: z.string().min(1, 'expected the client secret').max(1024) }),
  z.object({
    mode: z.literal('certificate'),
    clientId,
    /** PEM private key matching the certificate uploaded to the app registration. */
    privateKeyPem: z.string().includes('PRIVATE KEY', { message: 'expected a PEM private key' }).max(16_384),
    /** SHA-1 thumbprint of the certificate, hex (as the Entra portal shows it). */
    thumbprint: z.string().regex(/^[0-9a-fA-F]{40}$/, 'expected the 40-character certificate thumbprint'),
  }),
]);

export const createTenantInput = z.object({
  name: z.string().trim().min(1, 'expected a name').max(200),
  tenantGuid: z.uuid({ message: 'expected the Microsoft 365 tenant id, a GUID' }).transform((v) => v.toLowerCase()),
  primaryDomain: domain,
  auth: tenantAuthInput.default({ mode: 'consent' }),
});
export type CreateTenantInput = z.input<typeof createTenantInput>;

/**
 * An admin consent link: the customer's name and domain (Microsoft's answer names only the
 * tenant id), and optionally the tenant (GUID or domain) whose administrator should consent;
 * without it, any organisation's administrator can.
 */
export const consentLinkInput = z.object({
  name: z.string().trim().min(1, 'expected a name').max(200),
  primaryDomain: domain,
  tenant: z.union([z.uuid({ message: 'expected the tenant id (a GUID) or a domain' }).transform((v) => v.toLowerCase()), domain]).optional(),
});
export type ConsentLinkInput = z.input<typeof consentLinkInput>;
