import { describe, expect, test } from 'vitest';
import { fieldProblem, fromLocalInput, parseMitre, toLocalInput } from '../../web/src/lib/components/rules/rules.ts';

describe('rules form helpers', () => {
  test('a local date-time round-trips through the input value', () => {
    const iso = '2030-01-02T03:04:00.000Z';
    expect(toLocalInput(iso)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(toLocalInput(null)).toBe('');
    expect(toLocalInput('not a date')).toBe('');
    expect(fromLocalInput('')).toBeNull();
  });

  test.each([
    ['ta0006:t1110, TA0009:T1114.003', ['TA0006:T1110', 'TA0009:T1114.003']],
    ['TA0006:T1110\nTA0006:T1110;  ', ['TA0006:T1110']],
    ['', []],
  ])('MITRE ids from %j', (text, ids) => {
    expect(parseMitre(text)).toEqual(ids);
  });

  test("a field's problem comes from the API's details, with the list entry it is about", () => {
    const error = {
      message: 'Invalid input',
      requestId: null,
      details: [
        { path: 'title', message: 'expected a title' },
        { path: 'mitre.1', message: "expected a MITRE ATT&CK tactic and technique such as 'TA0006:T1110'" },
      ],
    };
    expect(fieldProblem(error, 'title')).toBe('expected a title');
    expect(fieldProblem(error, 'mitre')).toBe("expected a MITRE ATT&CK tactic and technique such as 'TA0006:T1110' (entry 2)");
    expect(fieldProblem(error, 'severity')).toBeNull();
    expect(fieldProblem(null, 'title')).toBeNull();
  });
});
