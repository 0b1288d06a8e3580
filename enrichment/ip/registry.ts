/**
 * Every IP intelligence provider, by name. Adding one (IP2Proxy, ipinfo) is a new file under
 * `providers/`, its name below and its line in `providerRegistry`; the `Record` type makes a
 * listed name without a line (or a line without a name) fail to compile.
 */
import type { z } from 'zod';
import type { ProviderContext } from './provider-context.ts';
import { createGeoip2WebProvider, geoip2WebSettingsSchema } from './providers/geoip2-web.ts';
import { createIpLocationDbProvider, ipLocationDbSettingsSchema } from './providers/ip-location-db.ts';
import { createMaxmindProvider, maxmindSettingsSchema } from './providers/maxmind.ts';
import type { IpIntelProvider } from './types.ts';

export const providerNames = ['maxmind', 'ip-location-db', 'geoip2-web'] as const;
export type ProviderName = (typeof providerNames)[number];

/** A provider's settings schema (its `provider` field is its name) and its factory. */
export interface ProviderDefinition<N extends ProviderName, S extends z.ZodType<{ provider: N }> = z.ZodType<{ provider: N }>> {
  settings: S;
  create(settings: z.input<S>, ctx: ProviderContext): IpIntelProvider<N>;
}

export const providerRegistry = {
  maxmind: { settings: maxmindSettingsSchema, create: createMaxmindProvider },
  'ip-location-db': { settings: ipLocationDbSettingsSchema, create: createIpLocationDbProvider },
  'geoip2-web': { settings: geoip2WebSettingsSchema, create: createGeoip2WebProvider },
} as const satisfies { [N in ProviderName]: ProviderDefinition<N> };

/** The settings of any one provider, discriminated by `provider`. */
export type ProviderSettings = { [N in ProviderName]: z.output<(typeof providerRegistry)[N]['settings']> }[ProviderName];
export type ProviderSettingsInput = { [N in ProviderName]: z.input<(typeof providerRegistry)[N]['settings']> }[ProviderName];
