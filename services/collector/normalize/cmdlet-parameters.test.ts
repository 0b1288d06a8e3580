import { describe, expect, test } from 'vitest';
import { cmdletParameterValue, parseCmdletParameters } from './cmdlet-parameters.ts';

describe('parseCmdletParameters (the one-string form of Security & Compliance Center cmdlets)', () => {
  test.each([
    [
      'quoted values',
      '-Name "q2" -ExchangeLocation "All"',
      [
        ['Name', 'q2'],
        ['ExchangeLocation', 'All'],
      ],
    ],
    [
      'a quoted value with spaces and operators',
      '-ContentMatchQuery "password OR invoice" -Name "q2"',
      [
        ['ContentMatchQuery', 'password OR invoice'],
        ['Name', 'q2'],
      ],
    ],
    [
      'unquoted values',
      '-SearchName q2 -Format FxStream',
      [
        ['SearchName', 'q2'],
        ['Format', 'FxStream'],
      ],
    ],
    [
      'switches, in the middle and at the end',
      '-SearchName "q2" -Export -Format "FxStream" -Force',
      [
        ['SearchName', 'q2'],
        ['Export', 'True'],
        ['Format', 'FxStream'],
        ['Force', 'True'],
      ],
    ],
    [
      '$true and $false, after a colon or a space',
      '-Export:$true -Confirm:$false -Preview $False',
      [
        ['Export', 'True'],
        ['Confirm', 'False'],
        ['Preview', 'False'],
      ],
    ],
    [
      'single quotes, with a doubled quote inside',
      "-Name 'O''Brien search' -Purge",
      [
        ['Name', "O'Brien search"],
        ['Purge', 'True'],
      ],
    ],
    ['escaped double quotes', '-ContentMatchQuery "subject:""wire transfer"" AND `"x`""', [['ContentMatchQuery', 'subject:"wire transfer" AND "x"']]],
    [
      'a list of values',
      '-ExchangeLocation "a@contoso.com","b@contoso.com" -SharePointLocation All',
      [
        ['ExchangeLocation', 'a@contoso.com,b@contoso.com'],
        ['SharePointLocation', 'All'],
      ],
    ],
    [
      'a negative number is a value, not a parameter',
      '-ResultSize -1 -Name x',
      [
        ['ResultSize', '-1'],
        ['Name', 'x'],
      ],
    ],
    [
      'a dash inside a quoted value',
      '-Name "-not-a-parameter" -Force',
      [
        ['Name', '-not-a-parameter'],
        ['Force', 'True'],
      ],
    ],
    ['empty text', '', []],
  ])('%s', (_name, text, expected) => {
    expect(parseCmdletParameters(text).map((p) => [p.name, p.value])).toEqual(expected);
  });

  test('hostile text never throws: an unterminated quote reads to the end, stray text is skipped', () => {
    expect(parseCmdletParameters('stray -Name "unterminated -Force')).toEqual([{ name: 'Name', value: 'unterminated -Force' }]);
    expect(parseCmdletParameters('- -- -:"x" ,,, "')).toEqual([]);
  });

  test('a value by name, case-insensitive; null when absent', () => {
    expect(cmdletParameterValue('-SearchName "q2" -Export', 'searchname')).toBe('q2');
    expect(cmdletParameterValue('-SearchName "q2" -Export', 'Export')).toBe('True');
    expect(cmdletParameterValue('-SearchName "q2"', 'Purge')).toBeNull();
  });
});
