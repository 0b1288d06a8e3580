import { expect, test } from 'vitest';
import { compileToPredicate, parseFilter } from '../../language/index.ts';
import { criteriaExpression, quoteFilterString } from './rule-expression.ts';

test('concrete criteria become an AND of equalities; Any is left out', () => {
  expect(criteriaExpression({ detectionId: 'M365.AzureAD.NewCountrySignIn', userName: null, ipAddress: '203.0.113.7', countryCode: 'NL' })).toBe(
    "Event.Detection = 'M365.AzureAD.NewCountrySignIn' AND Event.NetworkAddress = '203.0.113.7' AND IP.CountryCode = 'NL'",
  );
  expect(criteriaExpression({ detectionId: null, userName: undefined })).toBeNull();
});

test.each(["o'brien@contoso.com", "x' OR Event.Severity = 'low", "''); DROP TABLE security_event; --", 'back\\slash and "double" quotes', 'line\nbreak'])(
  'a hostile value %j stays one string literal and matches only itself',
  (value) => {
    const expression = criteriaExpression({ userName: value })!;
    const matches = compileToPredicate(parseFilter(expression));
    expect(matches({ userName: value })).toBe(true);
    expect(matches({ userName: 'someone@contoso.com', severity: 'low' })).toBe(false);
  },
);

test('NUL cannot appear in the language, so it is dropped from values', () => {
  expect(quoteFilterString('a\u0000b')).toBe("'ab'");
});
