/**
 * The sign-in page's open-redirect guard (web/src/lib/utils/redirect.ts): `?next=` may only
 * name a page of this site. The browser test checks a few of these end to end.
 */
import { describe, expect, test } from 'vitest';
import { safeNext, signinPath } from '../../web/src/lib/utils/redirect.ts';

describe('safeNext', () => {
  test.each([
    ['/tenants', '/tenants'],
    ['/events/123?tab=ip#entities', '/events/123?tab=ip#entities'],
    ['/', '/'],
    ['/a/../tenants', '/tenants'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'], // an odd path on this site, not a host
  ])('keeps the same-origin path %j', (raw, expected) => {
    expect(safeNext(raw)).toBe(expected);
  });

  test.each([
    null,
    undefined,
    '',
    'tenants',
    '//evil.example',
    '//evil.example/tenants',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    ' /tenants',
    '/signin',
    '/signin?next=/tenants',
    '/setup/abc',
    '/signup',
    '/signup/abc',
  ])('sends %j to the Report instead', (raw) => {
    expect(safeNext(raw)).toBe('/');
  });
});

describe('signinPath', () => {
  test.each([
    ['https://tw.example/tenants', '/signin?next=/tenants'],
    ['https://tw.example/events/123?tab=ip', '/signin?next=/events/123%3Ftab%3Dip'],
    ['https://tw.example/', '/signin'],
  ])('%s signs in via %s', (url, expected) => {
    expect(signinPath(new URL(url))).toBe(expected);
  });
});
