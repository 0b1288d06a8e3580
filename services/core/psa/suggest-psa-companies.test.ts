import { describe, expect, it } from 'vitest';
import { normaliseDomain, normaliseName, suggestCompany } from './suggest-psa-companies.ts';

const companies = [
  { id: '1', name: 'Contoso Ltd', detail: 'Contoso · www.contoso.com' },
  { id: '2', name: 'Fabrikam, Inc.', detail: 'Fabrikam' },
  { id: '3', name: 'Northwind Traders', detail: 'https://northwind.example/home' },
];

describe('company suggestions', () => {
  it.each([
    ['Contoso (demo)', 'contoso.com', '1', 'domain'],
    ['Anything', 'mail.northwind.example', null, null],
    ['Northwind', 'northwind.example', '3', 'domain'],
    ['Fabrikam Inc', 'fabrikam.onmicrosoft.com', '2', 'name'],
    ['fabrikam', 'fab.example', '2', 'name'],
    ['Tailspin Toys', 'tailspin.example', null, null],
  ])('%s (%s) → %s by %s', (name, primaryDomain, id, why) => {
    const s = suggestCompany({ name, primaryDomain }, companies);
    expect(s ? [s.company.id, s.why] : [null, null]).toEqual([id, why]);
  });

  it('normalises names and web addresses', () => {
    expect(normaliseName('The Contoso Company, Ltd. (EU)')).toBe('contoso');
    expect(normaliseDomain('HTTPS://www.Contoso.com/about')).toBe('contoso.com');
  });
});
