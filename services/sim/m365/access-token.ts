/**
 * Access tokens: RS256 JWTs in the v1.0 shape Entra issues for app-only calls to Graph and
 * the Management API (`iss` https://sts.windows.net/{tid}/, `aud` the resource URI, `roles`
 * the consented application permissions), and their validation on every API call.
 */
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
