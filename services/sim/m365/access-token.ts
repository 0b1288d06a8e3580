/**
 * Access tokens: RS256 JWTs in the v1.0 shape Entra issues for app-only calls to Graph and
 * the Management API (`iss` https://sts.windows.net/{tid}/, `aud` the resource URI, `roles`
 * the consented application permissions), and their validation on every API call.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, decodeProtectedHeader, errors, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { RESOURCES, type ResourceKey } from './state.ts';

export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function createSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  // Entra uses the key thumbprint as kid (and x5t); the JWK thumbprint is the closest stable equivalent.
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, use: 'sig', alg: 'RS256', kty: 'RSA' } };
}

export interface AccessTokenClaims {
  tenantId: string;
  appId: string;
  appDisplayName: string;
  servicePrincipalId: string;
  resource: ResourceKey;
  roles: string[];
  /** 1 = client secret, 2 = certificate: Entra's `appidacr`. */
  clientAuthMethod: '1' | '2';
}

export interface MintOptions {
  nowMs: number;
  lifetimeSeconds: number;
}

export async function mintAccessToken(keys: SigningKeys, claims: AccessTokenClaims, options: MintOptions): Promise<string> {
  const iat = Math.floor(options.nowMs / 1000);
  const payload: Record<string, unknown> = {
    aud: RESOURCES[claims.resource].uri,
    iss: `https://sts.windows.net/${claims.tenantId}/`,
    iat,
    nbf: iat,
    exp: iat + options.lifetimeSeconds,
    aio: 'E2ZgYJj8sim',
    app_displayname: claims.appDisplayName,
    appid: claims.appId,
    appidacr: claims.clientAuthMethod,
    idp: `https://sts.windows.net/${claims.tenantId}/`,
    idtyp: 'app',
    oid: claims.servicePrincipalId,
    sub: claims.servicePrincipalId,
    tid: claims.tenantId,
    ver: '1.0',
  };
  // Entra omits `roles` entirely when nothing was consented, rather than sending an empty list.
  if (claims.roles.length > 0) payload.roles = claims.roles;
  return new SignJWT(payload).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: keys.kid, x5t: keys.kid }).sign(keys.privateKey);
}

/** The signed-in user as tokens describe them. */
export interface TokenUser {
  tenantId: string;
  userId: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
}

/** `sub` is pairwise in Entra: the same user has a different, stable subject per application. */
export function pairwiseSubject(user: Pick<TokenUser, 'tenantId' | 'userId'>, appId: string): string {
  return createHash('sha256').update(`${user.tenantId}/${user.userId}/${appId.toLowerCase()}`).digest('base64url').slice(0, 43);
}

/**
 * A v2.0 ID token as Entra issues it to the app after an interactive sign-in: audience the
 * client id, issuer `{authority host}/{tid}/v2.0`, the user's ids and names, and the request's nonce.
 */
export async function mintIdToken(
  keys: SigningKeys,
  claims: { user: TokenUser; appId: string; issuer: string; nonce?: string | undefined },
  options: MintOptions,
): Promise<string> {
  const iat = Math.floor(options.nowMs / 1000);
  const { user } = claims;
  const payload: Record<string, unknown> = {
    aud: claims.appId,
    iss: claims.issuer,
    iat,
    nbf: iat,
    exp: iat + options.lifetimeSeconds,
    name: user.displayName,
    oid: user.userId,
    preferred_username: user.userPrincipalName,
    rh: '0.AXsim',
    sub: pairwiseSubject(user, claims.appId),
    tid: user.tenantId,
    uti: randomBytes(16).toString('base64url'),
    ver: '2.0',
  };
  if (user.mail) payload.email = user.mail;
  if (claims.nonce !== undefined) payload.nonce = claims.nonce;
  return new SignJWT(payload).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: keys.kid }).sign(keys.privateKey);
}

/**
 * A delegated (user) access token for Microsoft Graph, in the v1.0 shape Graph tokens have:
 * `scp` lists the delegated permissions, `idtyp` is `user`. The simulated Graph answers only
 * app-only calls, so these tokens are for the client's own use (and for realism).
 */
export async function mintDelegatedAccessToken(
  keys: SigningKeys,
  claims: { user: TokenUser; appId: string; appDisplayName: string; scopes: string[]; clientAuthMethod: '0' | '1' | '2' },
  options: MintOptions,
): Promise<string> {
  const iat = Math.floor(options.nowMs / 1000);
  const { user } = claims;
  const payload: Record<string, unknown> = {
    aud: RESOURCES.graph.uri,
    iss: `https://sts.windows.net/${user.tenantId}/`,
    iat,
    nbf: iat,
    exp: iat + options.lifetimeSeconds,
    acct: 0,
    acr: '1',
    aio: 'E2ZgYJj8sim',
    amr: ['pwd'],
    app_displayname: claims.appDisplayName,
    appid: claims.appId,
    appidacr: claims.clientAuthMethod,
    idtyp: 'user',
    name: user.displayName,
    oid: user.userId,
    scp: claims.scopes.join(' '),
    sub: pairwiseSubject(user, RESOURCES.graph.appId),
    tid: user.tenantId,
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    ver: '1.0',
  };
  if (user.givenName) payload.given_name = user.givenName;
  if (user.surname) payload.family_name = user.surname;
  return new SignJWT(payload).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: keys.kid, x5t: keys.kid }).sign(keys.privateKey);
}

export type TokenProblem =
  | { kind: 'missing' }
  | { kind: 'malformed'; detail: string }
  | { kind: 'bad-signature' }
  | { kind: 'expired' }
  | { kind: 'not-yet-valid' }
  | { kind: 'wrong-audience'; audience: string }
  | { kind: 'wrong-issuer' };

export interface ValidToken {
  tenantId: string;
  appId: string;
  roles: string[];
  audience: string;
}

/** Reads `Authorization: Bearer …` and validates the token against the simulator's key, the simulated clock and the expected resource. */
export async function validateAccessToken(
  keys: SigningKeys,
  authorization: string | undefined,
  resource: ResourceKey,
  nowMs: number,
): Promise<{ ok: true; token: ValidToken } | { ok: false; problem: TokenProblem }> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return { ok: false, problem: { kind: 'missing' } };
  const jwt = match[1];
  try {
    decodeProtectedHeader(jwt);
  } catch {
    return { ok: false, problem: { kind: 'malformed', detail: 'JWT is not well formed.' } };
  }
  try {
    const { payload } = await jwtVerify(jwt, keys.publicKey, { algorithms: ['RS256'], currentDate: new Date(nowMs), clockTolerance: 0 });
    const aud = typeof payload.aud === 'string' ? payload.aud : '';
    // Graph also accepts its app id as audience, as Entra may issue either form.
    const accepted = [RESOURCES[resource].uri, `${RESOURCES[resource].uri}/`, RESOURCES[resource].appId];
    if (!accepted.includes(aud)) return { ok: false, problem: { kind: 'wrong-audience', audience: aud } };
    const tid = typeof payload.tid === 'string' ? payload.tid : '';
    if (payload.iss !== `https://sts.windows.net/${tid}/`) return { ok: false, problem: { kind: 'wrong-issuer' } };
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    const appId = typeof payload.appid === 'string' ? payload.appid : '';
    return { ok: true, token: { tenantId: tid, appId, roles, audience: aud } };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, problem: { kind: 'expired' } };
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') return { ok: false, problem: { kind: 'not-yet-valid' } };
    if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, problem: { kind: 'bad-signature' } };
    return { ok: false, problem: { kind: 'malformed', detail: error instanceof Error ? error.message : 'invalid token' } };
  }
}
