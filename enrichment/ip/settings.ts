/**
 * `IpIntelSettings`: the one typed, validated object the IP intelligence service is built
 * from. services/config.ts parses the environment into it; nothing here reads `process.env`.
 */
import { z } from 'zod';
import { providerNames, providerRegistry, type ProviderSettings, type ProviderSettingsInput } from './registry.ts';

export class IpIntelConfigError extends Error {
  override name = 'IpIntelConfigError';
}

// Each entry is checked against its own provider's schema, so messages name the real fields.
const providerSettingsSchema = z
  .looseObject({ provider: z.enum(providerNames, { message: `expected one of ${providerNames.join(', ')}` }) })
  .transform((value, ctx): ProviderSettings => {
    const parsed = providerRegistry[value.provider].settings.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    }
    return parsed.data as ProviderSettings;
  });

export const ipIntelSettingsSchema = z
  .object({
    /**
     * Providers in precedence order: for each field the first provider with a value wins.
     * Empty or absent: the free ip-location-db data alone.
     */
    providers: z.array(providerSettingsSchema).default([]),
    cache: z
      .object({
        maxEntries: z.number().int().min(0).default(50_000),
        /** Local databases change at most daily; answers from them stay good for hours. */
        ttlSeconds: z.number().int().min(0).default(3_600),
      })
      .strict()
      .default({ maxEntries: 50_000, ttlSeconds: 3_600 }),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.providers.forEach((p, i) => {
      if (seen.has(p.provider)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'provider'], message: `${p.provider} is listed twice` });
      seen.add(p.provider);
    });
  });

export type IpIntelSettings = z.output<typeof ipIntelSettingsSchema>;
/** What callers write: defaults filled in by `parseIpIntelSettings`. */
export interface IpIntelSettingsInput {
  providers?: ProviderSettingsInput[];
  cache?: { maxEntries?: number; ttlSeconds?: number };
}

/**
 * @throws IpIntelConfigError naming each bad field, e.g.
 *   `providers.0.databases.city: expected the path of a .mmdb file`.
 */
export function parseIpIntelSettings(input: unknown): IpIntelSettings {
  const parsed = ipIntelSettingsSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
  throw new IpIntelConfigError(`Invalid IP intelligence settings: ${lines.join('; ')}`);
}
