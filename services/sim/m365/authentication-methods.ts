/**
 * A user's registered authentication methods (Graph `authenticationMethod` subtypes under
 * /users/{id}/authentication) and the registration report they feed
 * (`userRegistrationDetails`). Methods are derived from the report the first time a user's
 * methods are read, so scenarios describe registration once; afterwards both views change
 * together when an admin deletes a method ("require MFA re-registration").
 */
import { toGraphTime } from './clock.ts';
import { derivedId, type UserRegistrationDetails } from './directory.ts';
import type { GraphUser } from './records.ts';
import type { SimTenant } from './state.ts';

/** The typed collections under /users/{id}/authentication and the @odata.type of their members. */
export const METHOD_COLLECTIONS = {
  passwordMethods: 'passwordAuthenticationMethod',
  phoneMethods: 'phoneAuthenticationMethod',
  microsoftAuthenticatorMethods: 'microsoftAuthenticatorAuthenticationMethod',
  softwareOathMethods: 'softwareOathAuthenticationMethod',
  fido2Methods: 'fido2AuthenticationMethod',
  emailMethods: 'emailAuthenticationMethod',
  windowsHelloForBusinessMethods: 'windowsHelloForBusinessAuthenticationMethod',
} as const;
export type MethodCollection = keyof typeof METHOD_COLLECTIONS;

export function isMethodCollection(segment: string): segment is MethodCollection {
  return Object.hasOwn(METHOD_COLLECTIONS, segment);
}

export interface AuthenticationMethod {
  '@odata.type': `#microsoft.graph.${(typeof METHOD_COLLECTIONS)[MethodCollection]}`;
  id: string;
  [property: string]: unknown;
}

/** Ids Microsoft documents as fixed for every user. */
export const WELL_KNOWN_METHOD_IDS = {
  password: '28c10230-6103-485e-b985-444c60001490',
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
  email: '3ddfcfc8-9383-446f-83cc-3ab9be4be18f',
} as const;

const type = (collection: MethodCollection): AuthenticationMethod['@odata.type'] => `#microsoft.graph.${METHOD_COLLECTIONS[collection]}`;

/** The collection a method is listed in. */
export function collectionOf(method: AuthenticationMethod): MethodCollection {
  const name = method['@odata.type'].slice('#microsoft.graph.'.length);
  const found = (Object.keys(METHOD_COLLECTIONS) as MethodCollection[]).find((k) => METHOD_COLLECTIONS[k] === name);
  if (!found) throw new Error(`unknown authentication method type ${method['@odata.type']}`);
  return found;
}

/** A fictional number in the 555-01xx range reserved for fiction, stable per user. */
function fictionalPhone(userId: string, slot: number): string {
  const n = (parseInt(userId.replace(/-/g, '').slice(0, 6), 16) + slot) % 100;
  return `+1 42555501${String(n).padStart(2, '0')}`;
}

/** The methods behind a registration report's `methodsRegistered` values. */
function deriveMethods(tenant: SimTenant, user: GraphUser, details: UserRegistrationDetails | undefined): AuthenticationMethod[] {
  const created = details?.lastUpdatedDateTime ?? user.createdDateTime;
  const methods: AuthenticationMethod[] = [
    { '@odata.type': type('passwordMethods'), id: WELL_KNOWN_METHOD_IDS.password, password: null, createdDateTime: user.createdDateTime },
  ];
  const registered = new Set(details?.methodsRegistered ?? []);
  const id = (kind: string): string => derivedId(tenant.id, user.id, 'authentication-method', kind);
  const phone = (wellKnown: keyof typeof WELL_KNOWN_METHOD_IDS, phoneType: string, slot: number): AuthenticationMethod => ({
    '@odata.type': type('phoneMethods'),
    id: WELL_KNOWN_METHOD_IDS[wellKnown],
    phoneNumber: wellKnown === 'mobile' && user.mobilePhone ? user.mobilePhone : fictionalPhone(user.id, slot),
    phoneType,
    smsSignInState: 'notAllowedByPolicy',
  });
  if (registered.has('mobilePhone')) methods.push(phone('mobile', 'mobile', 0));
  if (registered.has('alternateMobilePhone')) methods.push(phone('alternateMobile', 'alternateMobile', 1));
  if (registered.has('officePhone')) methods.push(phone('office', 'office', 2));
  if (registered.has('microsoftAuthenticatorPush') || registered.has('microsoftAuthenticatorPasswordless')) {
    methods.push({
      '@odata.type': type('microsoftAuthenticatorMethods'),
      id: id('authenticator'),
      displayName: 'iPhone 15',
      deviceTag: 'SoftwareTokenActivated',
      phoneAppVersion: '6.8.7',
      createdDateTime: created,
    });
  }
  if (registered.has('softwareOneTimePasscode')) methods.push({ '@odata.type': type('softwareOathMethods'), id: id('software-oath'), secretKey: null });
  if (registered.has('fido2') || registered.has('passKeyDeviceBound')) {
    methods.push({
      '@odata.type': type('fido2Methods'),
      id: id('fido2'),
      displayName: 'YubiKey 5 NFC',
      createdDateTime: created,
      aaGuid: 'fa2b99dc-9e39-4257-8f92-4a30d23c4118',
      model: 'YubiKey 5 Series with NFC',
      attestationCertificates: [],
      attestationLevel: 'attested',
    });
  }
  if (registered.has('email'))
    methods.push({
      '@odata.type': type('emailMethods'),
      id: WELL_KNOWN_METHOD_IDS.email,
      emailAddress: user.otherMails[0] ?? `${user.userPrincipalName.split('@')[0] ?? 'user'}@example.net`,
    });
  if (registered.has('windowsHelloForBusiness'))
    methods.push({
      '@odata.type': type('windowsHelloForBusinessMethods'),
      id: id('whfb'),
      displayName: 'DESKTOP-SIM01',
      createdDateTime: created,
      keyStrength: 'normal',
    });
  return methods;
}

/** The user's methods (the live list: deleting from it deletes the method). */
export function userMethods(tenant: SimTenant, user: GraphUser): AuthenticationMethod[] {
  const key = user.id.toLowerCase();
  let methods = tenant.directory.authenticationMethods.get(key);
  if (!methods) {
    methods = deriveMethods(
      tenant,
      user,
      tenant.directory.registrationDetails.find((d) => d.id.toLowerCase() === key),
    );
    tenant.directory.authenticationMethods.set(key, methods);
  }
  return methods;
}

/** `userPreferredMethodForSecondaryAuthentication` → the method it designates. */
function isDefaultMethod(method: AuthenticationMethod, preferred: string): boolean {
  switch (preferred) {
    case 'push':
      return collectionOf(method) === 'microsoftAuthenticatorMethods';
    case 'oath':
      return collectionOf(method) === 'softwareOathMethods';
    case 'sms':
    case 'voiceMobile':
      return method.id === WELL_KNOWN_METHOD_IDS.mobile;
    case 'voiceAlternateMobile':
      return method.id === WELL_KNOWN_METHOD_IDS.alternateMobile;
    case 'voiceOffice':
      return method.id === WELL_KNOWN_METHOD_IDS.office;
    default:
      return false;
  }
}

/** `methodsRegistered` values a method contributes to the registration report. */
function registrationValues(method: AuthenticationMethod): string[] {
  switch (collectionOf(method)) {
    case 'phoneMethods':
      return [
        method.id === WELL_KNOWN_METHOD_IDS.alternateMobile
          ? 'alternateMobilePhone'
          : method.id === WELL_KNOWN_METHOD_IDS.office
            ? 'officePhone'
            : 'mobilePhone',
      ];
    case 'microsoftAuthenticatorMethods':
      return ['microsoftAuthenticatorPush'];
    case 'softwareOathMethods':
      return ['softwareOneTimePasscode'];
    case 'fido2Methods':
      return ['fido2'];
    case 'emailMethods':
      return ['email'];
    case 'windowsHelloForBusinessMethods':
      return ['windowsHelloForBusiness'];
    case 'passwordMethods':
      return [];
  }
}

export type DeleteMethodResult = { ok: true } | { ok: false; reason: 'not-found' | 'default-method' | 'not-deletable' };

/**
 * Deletes one method and brings the registration report in line. Microsoft Graph refuses to
 * delete the user's default MFA method while the user has other methods to fall back on (the
 * admin must change the default first); the last one can go, and the default becomes `none`.
 * The password method cannot be deleted.
 */
export function deleteUserMethod(tenant: SimTenant, user: GraphUser, collection: MethodCollection, methodId: string, nowMs: number): DeleteMethodResult {
  const methods = userMethods(tenant, user);
  const index = methods.findIndex((m) => m.id.toLowerCase() === methodId.toLowerCase() && collectionOf(m) === collection);
  const method = methods[index];
  if (!method) return { ok: false, reason: 'not-found' };
  if (collection === 'passwordMethods') return { ok: false, reason: 'not-deletable' };
  const details = tenant.directory.registrationDetails.find((d) => d.id.toLowerCase() === user.id.toLowerCase());
  const others = methods.filter((m) => m !== method && collectionOf(m) !== 'passwordMethods');
  if (details && isDefaultMethod(method, details.userPreferredMethodForSecondaryAuthentication) && others.length > 0)
    return { ok: false, reason: 'default-method' };
  methods.splice(index, 1);
  if (details) syncRegistration(details, methods, nowMs);
  return { ok: true };
}

/** Recomputes the registration report of a user from their remaining methods. */
function syncRegistration(details: UserRegistrationDetails, methods: AuthenticationMethod[], nowMs: number): void {
  const registered = [...new Set(methods.flatMap(registrationValues))];
  const has = (value: string): boolean => registered.includes(value);
  const mfa = registered.some((v) => v !== 'email');
  details.methodsRegistered = registered;
  details.isMfaRegistered = mfa;
  details.isMfaCapable = mfa;
  details.isSsprRegistered = registered.length > 0;
  details.isSsprCapable = details.isSsprEnabled && registered.length > 0;
  details.isPasswordlessCapable = has('microsoftAuthenticatorPush') || has('fido2') || has('windowsHelloForBusiness');
  if (!methods.some((m) => isDefaultMethod(m, details.userPreferredMethodForSecondaryAuthentication)))
    details.userPreferredMethodForSecondaryAuthentication = 'none';
  details.systemPreferredAuthenticationMethods = has('fido2')
    ? ['Fido2']
    : has('microsoftAuthenticatorPush')
      ? ['push']
      : has('softwareOneTimePasscode')
        ? ['oath']
        : has('mobilePhone')
          ? ['sms']
          : [];
  details.lastUpdatedDateTime = toGraphTime(nowMs);
}
