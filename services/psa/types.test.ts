import { describe, expect, it } from 'vitest';
import { cutToLimit, PsaError } from './types.ts';

describe('cutToLimit', () => {
  it.each([
    ['short', 100, 'short'],
    ['a'.repeat(101), 100, `${'a'.repeat(99)}…`],
    ['line one\r\nline two', 100, 'line one line two'],
    [`${'word '.repeat(30)}`, 20, 'word word word word…'],
  ])('%#', (text, limit, expected) => {
    const out = cutToLimit(text, limit);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(limit);
  });
});

describe('PsaError', () => {
  it.each([
    ['throttled', true],
    ['unavailable', true],
    ['wrong-keys', false],
    ['invalid', false],
    ['no-permission', false],
  ] as const)('%s retryable: %s', (reason, retryable) => {
    expect(new PsaError(reason, 'x').retryable).toBe(retryable);
  });
});
