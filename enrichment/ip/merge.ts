import { intelParts, proxyTypes, type IntelPart, type IpAnonymizer, type PartialIpIntel, type ProxyType } from './types.ts';

export interface SourcedIntel {
  source: string;
  intel: PartialIpIntel;
}

/**
 * Merges partial answers by precedence: `answers` come first-to-last, and for each group of
 * fields the first source that has any of them wins the whole group. Groups keep facts that
 * belong together from one source: a city from MaxMind with a postcode from another database
 * would describe a place that does not exist, and an AS number with another source's AS name
 * a network that does not exist. A place is only taken from a source that agrees on the
 * country. Anonymiser flags are combined instead, because one list missing a VPN is not
 * evidence that it is not one.
 */
/** @example mergeIntel([{ source: 'maxmind', intel: a }, { source: 'ip-location-db', intel: b }]) */
export function mergeIntel(answers: readonly SourcedIntel[]): { intel: PartialIpIntel; sources: Partial<Record<IntelPart, string[]>> } {
  const intel: PartialIpIntel = {};
  const sources: Partial<Record<IntelPart, string[]>> = {};
  if (answers.length === 1) {
    // The common case (one provider): nothing to merge, only to attribute.
    const only = answers[0]!;
    for (const part of intelParts) if (only.intel[part] !== undefined) sources[part] = [only.source];
    return { intel: only.intel, sources };
  }
  for (const part of intelParts) {
    let merged: Record<string, unknown> | undefined;
    // The first source's object is used as is until a second one has something to add:
    // most parts come from one provider, and copying them all is most of a merge's cost.
    let copied = false;
    const contributors: string[] = [];
    for (const { source, intel: from } of answers) {
      const value = from[part] as Record<string, unknown> | undefined;
      if (value === undefined) continue;
      if (merged === undefined) {
        merged = value;
        contributors.push(source);
        continue;
      }
      if (!copied) {
        merged = part === 'anonymizer' ? { ...merged, proxyTypes: [...(merged.proxyTypes as ProxyType[])] } : { ...merged };
        copied = true;
      }
      const contributed =
        part === 'anonymizer' ? combineAnonymizer(merged as unknown as IpAnonymizer, value as unknown as IpAnonymizer) : fillGroups(part, merged, value);
      if (contributed && !contributors.includes(source)) contributors.push(source);
    }
    if (merged !== undefined) {
      (intel as Record<string, unknown>)[part] = merged;
      sources[part] = contributors;
    }
  }
  return { intel, sources };
}

// Fields that must come from one source together; any other field is a group of its own.
const GROUPS: Partial<Record<IntelPart, readonly (readonly string[])[]>> = {
  location: [
    ['continentCode', 'countryCode', 'countryName', 'registeredCountryCode', 'isInEuropeanUnion'],
    ['region', 'regionCode', 'city', 'postalCode', 'latitude', 'longitude', 'accuracyRadiusKm', 'timeZone'],
  ],
  network: [
    ['asNumber', 'asOrganization'],
    ['mobileCountryCode', 'mobileNetworkCode'],
  ],
  // A usage type comes with the provider's own words for it: one unit.
  usage: [['type', 'userType', 'connectionType', 'staticIpScore', 'userCount']],
};

const GROUPED: Partial<Record<IntelPart, ReadonlySet<string>>> = Object.fromEntries(
  Object.entries(GROUPS).map(([part, groups]) => [part, new Set(groups.flat())]),
);
const NONE: ReadonlySet<string> = new Set();

function fillGroups(part: IntelPart, into: Record<string, unknown>, from: Record<string, unknown>): boolean {
  const groups = GROUPS[part] ?? [];
  const grouped = GROUPED[part] ?? NONE;
  let contributed = false;
  for (const group of groups) {
    if (group.some((k) => into[k] !== undefined) || !group.some((k) => from[k] !== undefined)) continue;
    if (
      part === 'location' &&
      group.includes('city') &&
      into.countryCode !== undefined &&
      from.countryCode !== undefined &&
      into.countryCode !== from.countryCode
    )
      continue;
    for (const k of group) if (from[k] !== undefined) into[k] = from[k];
    contributed = true;
  }
  for (const [k, v] of Object.entries(from)) {
    if (v !== undefined && into[k] === undefined && !grouped.has(k)) {
      into[k] = v;
      contributed = true;
    }
  }
  return contributed;
}

function combineAnonymizer(into: IpAnonymizer, from: IpAnonymizer): boolean {
  let contributed = false;
  if (from.isAnonymous && !into.isAnonymous) {
    into.isAnonymous = true;
    contributed = true;
  }
  const extra = from.proxyTypes.filter((t) => !into.proxyTypes.includes(t));
  if (extra.length > 0) {
    into.proxyTypes = sortProxyTypes([...into.proxyTypes, ...extra]);
    contributed = true;
  }
  for (const key of ['providerName', 'confidence', 'lastSeen', 'riskScore', 'threats'] as const) {
    if (from[key] !== undefined && into[key] === undefined) {
      (into as unknown as Record<string, unknown>)[key] = from[key];
      contributed = true;
    }
  }
  return contributed;
}

/** Strongest signal first, in the order of `proxyTypes`. */
export function sortProxyTypes(types: ProxyType[]): ProxyType[] {
  return types.sort((a, b) => proxyTypes.indexOf(a) - proxyTypes.indexOf(b));
}
