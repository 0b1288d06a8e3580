/**
 * Fictional people for simulated tenants: names are combined from common given names and
 * surnames, so no generated person is a real one. Deterministic for a given PRNG.
 */
import type { Prng } from '../prng.ts';
import type { GraphUser } from '../records.ts';
import { toGraphTime } from '../clock.ts';
import { DEVICES, type Device, type Person, type TenantContext } from './builders.ts';
import { USUAL_NETWORKS, type Network } from './network.ts';

const GIVEN = [
  'Adele',
  'Alex',
  'Allan',
  'Amara',
  'Ben',
  'Carla',
  'Chen',
  'Dana',
  'Diego',
  'Elif',
  'Emma',
  'Farah',
  'Felix',
  'Grace',
  'Hana',
  'Henrik',
  'Ines',
  'Isaac',
  'Jonas',
  'Julia',
  'Kai',
  'Kenji',
  'Lara',
  'Leo',
  'Lina',
  'Lucas',
  'Maya',
  'Mateo',
  'Nadia',
  'Nils',
  'Noor',
  'Olga',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Ruben',
  'Sara',
  'Sven',
  'Tara',
  'Theo',
  'Uma',
  'Victor',
  'Wen',
  'Yara',
  'Zoe',
];
const FAMILY = [
  'Abbott',
  'Becker',
  'Castillo',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Hansen',
  'Ibrahim',
  'Jansen',
  'Kowalski',
  'Larsen',
  'Moreau',
  'Novak',
  'Okafor',
  'Petrov',
  'Quinlan',
  'Rossi',
  'Sato',
  'Tanaka',
  'Umar',
  'Vogel',
  'Walsh',
  'Xu',
  'Yilmaz',
  'Zimmer',
];
const TITLES = [
  'Account Manager',
  'Analyst',
  'Designer',
  'Engineer',
  'Marketing Specialist',
  'Sales Representative',
  'Support Specialist',
  'Project Manager',
  'Accountant',
  'HR Generalist',
];

/** Public SKU ids of Microsoft 365 E5 and E3. */
export const SKU = { m365E5: '06ebc4ee-1bb5-47dd-8120-11324bc54e06', m365E3: '05e9a617-0261-4cee-bb44-138d3ef5d965' } as const;

interface Region {
  home: Network;
  roaming: Network;
  utcOffsetHours: number;
  usageLocation: string;
  officeLocation: string;
  weight: number;
}

/** May: US Pacific is UTC-7, US Eastern UTC-4, UK UTC+1, Germany UTC+2. */
const REGIONS: Region[] = [
  { home: USUAL_NETWORKS.contosoOffice, roaming: USUAL_NETWORKS.usCable, utcOffsetHours: -7, usageLocation: 'US', officeLocation: 'Redmond', weight: 5 },
  { home: USUAL_NETWORKS.usCable, roaming: USUAL_NETWORKS.usMobile, utcOffsetHours: -7, usageLocation: 'US', officeLocation: 'Remote (US)', weight: 2 },
  { home: USUAL_NETWORKS.usMobile, roaming: USUAL_NETWORKS.usCable, utcOffsetHours: -4, usageLocation: 'US', officeLocation: 'New York', weight: 1 },
  { home: USUAL_NETWORKS.ukBroadband, roaming: USUAL_NETWORKS.ukBroadband, utcOffsetHours: 1, usageLocation: 'GB', officeLocation: 'London', weight: 1 },
  { home: USUAL_NETWORKS.deTelecom, roaming: USUAL_NETWORKS.deMobile, utcOffsetHours: 2, usageLocation: 'DE', officeLocation: 'Berlin', weight: 1 },
];

export interface PersonOverrides {
  givenName?: string;
  surname?: string;
  jobTitle?: string;
  isAdmin?: boolean;
  region?: number;
}

export function createPerson(ctx: TenantContext, prng: Prng, dayStart: number, taken: Set<string>, overrides: PersonOverrides = {}): Person {
  const givenName = overrides.givenName ?? prng.pick(GIVEN);
  const surname = overrides.surname ?? prng.pick(FAMILY);
  let alias = `${givenName}.${surname}`.toLowerCase();
  for (let n = 2; taken.has(alias); n++) alias = `${givenName}.${surname}${n}`.toLowerCase();
  taken.add(alias);
  const region = overrides.region !== undefined ? (REGIONS[overrides.region] ?? REGIONS[0]!) : prng.weighted(REGIONS.map((r) => [r, r.weight] as const));
  const upn = `${alias}@${ctx.domain}`;
  const created = dayStart - prng.int(30, 1800) * 86_400_000;
  const user: GraphUser = {
    id: prng.guid(),
    displayName: `${givenName} ${surname}`,
    userPrincipalName: upn,
    mail: upn,
    accountEnabled: !prng.chance(0.02),
    createdDateTime: toGraphTime(Math.floor(created / 1000) * 1000),
    lastPasswordChangeDateTime: toGraphTime(Math.floor((dayStart - prng.int(1, 200) * 86_400_000 - prng.int(0, 86_399) * 1000) / 1000) * 1000),
    otherMails: prng.chance(0.1) ? [`${alias.replace('.', '')}@example.net`] : [],
    assignedLicenses: [{ skuId: prng.chance(0.3) ? SKU.m365E5 : SKU.m365E3, disabledPlans: [] }],
    userType: 'Member',
    givenName,
    surname,
    jobTitle: overrides.jobTitle ?? prng.pick(TITLES),
    mobilePhone: null,
    officeLocation: region.officeLocation,
    preferredLanguage: region.usageLocation === 'DE' ? 'de-DE' : region.usageLocation === 'GB' ? 'en-GB' : 'en-US',
    businessPhones: [],
    usageLocation: region.usageLocation,
    signInActivity: {
      lastSignInDateTime: null,
      lastSignInRequestId: null,
      lastNonInteractiveSignInDateTime: null,
      lastNonInteractiveSignInRequestId: null,
      lastSuccessfulSignInDateTime: null,
      lastSuccessfulSignInRequestId: null,
    },
  };
  return {
    user,
    puid: `10032${prng.hex(11).toUpperCase()}`,
    alias,
    home: region.home,
    roaming: region.roaming,
    device: prng.weighted<Device>([
      [DEVICES.windowsEdge, 5],
      [DEVICES.windowsChrome, 3],
      [DEVICES.macSafari, 2],
    ]),
    utcOffsetHours: region.utcOffsetHours,
    isAdmin: overrides.isAdmin ?? false,
  };
}
