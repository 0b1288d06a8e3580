import { describe, expect, test } from 'vitest';
import { checkIdToken, MicrosoftSignInError } from './microsoft-login.ts';

const LOGIN = 'https://login.microsoftonline.com';
const CLIENT = '5b0c0c38-7d2f-4c35-9a2e-6f1f6a0c1a11';
const TID = '0b5c1e2a-4f7d-4c1e-9b8a-1c2d3e4f5a6b';
const OID = '9a1b2c3d-0001-4a00-8000-000000000001';
const NOW = 1_700_000_000_000;

const good = {
  aud: CLIENT,
  iss: `${LOGIN}/${TID}/v2.0`,
  tid: TID,
  oid: OID,
  nonce: 'n-1',
  exp: NOW / 1000 + 3600,
  preferred_username: 'Megan.Admin@Contoso.com',
  name: 'Megan Bowen',
};
const expected = { clientId: CLIENT, loginUrl: LOGIN, nonce: 'n-1', nowMs: NOW };

describe('checkIdToken', () => {
  test('answers the account ids and the lower-cased sign-in name', () => {
    expect(checkIdToken(good, expected)).toEqual({ tenantId: TID, objectId: OID, username: 'megan.admin@contoso.com', name: 'Megan Bowen' });
  });

  test.each([
    ['another audience', { aud: '00000000-0000-4000-8000-000000000000' }, /another application/],
    ['another issuer', { iss: `https://evil.example/${TID}/v2.0` }, /unexpected issuer/],
    ['an issuer of another tenant than tid', { iss: `${LOGIN}/00000000-0000-4000-8000-000000000000/v2.0` }, /unexpected issuer/],
    ['another nonce', { nonce: 'n-2' }, /nonce mismatch/],
    ['no nonce', { nonce: undefined }, /nonce mismatch/],
    ['expired', { exp: NOW / 1000 - 600 }, /expired/],
    ['no object id', { oid: undefined }, /no tenant or object id/],
    ['a tenant that is not a GUID', { tid: 'contoso.com' }, /no tenant or object id/],
  ])('refuses %s', (_what, change, message) => {
    expect(() => checkIdToken({ ...good, ...change }, expected)).toThrow(MicrosoftSignInError);
    expect(() => checkIdToken({ ...good, ...change }, expected)).toThrow(message);
  });
});
