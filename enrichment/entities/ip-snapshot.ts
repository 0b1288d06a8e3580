/**
 * What enrichment records about an IP address (enrichment/ip-entity.ts): its range and, for
 * a public address, what IP intelligence said, part by part, and which provider said it.
 *
 * The parts repeat the IP intelligence contract (enrichment/ip/types.ts), which providers
 * implement; the checks at the end fail compilation when the two drift apart.
 */
import { z } from 'zod';
import { specialRanges } from '../ip/classify.ts';
import { intelParts, proxyTypes, usageTypes, type IpAnonymizer, type IpLocation, type IpNetwork, type IpUsage, type ProviderOutcome } from '../ip/types.ts';
import { nullableNamed, type SameType } from './snapshot-parts.ts';

export const ipLocationSchema = z
  .object({
    continentCode: z.string().optional(),
    countryCode: z.string().optional().meta({ description: 'ISO 3166-1 alpha-2, e.g. `GB`' }),
    countryName: z.string().optional(),
    registeredCountryCode: z.string().optional(),
    isInEuropeanUnion: z.boolean().optional(),
    region: z.string().optional(),
    regionCode: z.string().optional(),
    city: z.string().optional(),
    postalCode: z.string().optional(),
    latitude: z.number().optional(),
    longitude: z.number().optional(),
    accuracyRadiusKm: z.number().optional(),
    timeZone: z.string().optional(),
  })
  .meta({ id: 'IpLocation' });

export const ipNetworkSchema = z
  .object({
    isp: z.string().optional(),
    organization: z.string().optional(),
    asNumber: z.number().optional(),
    asOrganization: z.string().optional(),
    domain: z.string().optional(),
    connectionType: z.string().optional(),
    network: z.string().optional().meta({ description: 'The largest network (CIDR) with the same data, when the provider says' }),
    mobileCountryCode: z.string().optional(),
    mobileNetworkCode: z.string().optional(),
    isAnycast: z.boolean().optional(),
  })
  .meta({ id: 'IpNetwork' });

export const ipUsageSchema = z
  .object({
    type: z.enum(usageTypes),
    userType: z.string().optional(),
    connectionType: z.string().optional(),
    staticIpScore: z.number().optional(),
    userCount: z.number().optional(),
  })
  .meta({ id: 'IpUsage' });

export const ipAnonymizerSchema = z
  .object({
    isAnonymous: z.boolean(),
    proxyTypes: z.array(z.enum(proxyTypes)).meta({ description: 'Every kind flagged, strongest signal first' }),
    providerName: z.string().optional(),
    confidence: z.number().optional(),
    lastSeen: z.string().optional(),
    riskScore: z.number().optional(),
    threats: z.array(z.string()).optional(),
  })
  .meta({ id: 'IpAnonymizer' });

export const ipProviderOutcomeSchema = z
  .object({
    provider: z.string(),
    status: z.enum(['ok', 'no-data', 'unavailable']),
    reason: z.string().optional(),
    notes: z.array(z.string()).optional(),
  })
  .meta({ id: 'IpProviderOutcome' });

export const ipSnapshotSchema = z
  .object({
    schemaVersion: z.number(),
    ip: z.string(),
    version: z.union([z.literal(4), z.literal(6)]),
    range: z.enum(['public', ...specialRanges]).meta({ description: '`public`, or the special range (`private`, `cgnat`, `loopback`…)' }),
    label: z.string().nullable().meta({ description: 'For special ranges, e.g. `private (RFC 1918)`' }),
    location: nullableNamed(ipLocationSchema),
    network: nullableNamed(ipNetworkSchema),
    usage: nullableNamed(ipUsageSchema),
    anonymizer: nullableNamed(ipAnonymizerSchema),
    sources: z.partialRecord(z.enum(intelParts), z.array(z.string())).meta({ description: 'Which providers contributed to each part, in precedence order' }),
    providers: z.array(ipProviderOutcomeSchema),
  })
  .meta({ id: 'IpSnapshot', description: 'An IP address as recorded' });

export type IpSnapshot = z.infer<typeof ipSnapshotSchema>;

// Compile-time: the snapshot parts are the IP intelligence contract's parts.
const sameParts: [
  SameType<IpLocation, z.infer<typeof ipLocationSchema>>,
  SameType<IpNetwork, z.infer<typeof ipNetworkSchema>>,
  SameType<IpUsage, z.infer<typeof ipUsageSchema>>,
  SameType<IpAnonymizer, z.infer<typeof ipAnonymizerSchema>>,
  SameType<ProviderOutcome, z.infer<typeof ipProviderOutcomeSchema>>,
] = [true, true, true, true, true];
void sameParts;
