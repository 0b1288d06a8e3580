import { describe, expect, it } from 'vitest';
import { backoffSeconds } from './sender.ts';

describe('retry backoff', () => {
  it('doubles from the base, with jitter between half and all of it', () => {
    expect(backoffSeconds(1, 30, () => 1)).toBe(30);
    expect(backoffSeconds(1, 30, () => 0)).toBe(15);
    expect(backoffSeconds(4, 30, () => 1)).toBe(240);
  });

  it('never waits more than a day', () => {
    expect(backoffSeconds(40, 30, () => 1)).toBe(86_400);
  });
});
