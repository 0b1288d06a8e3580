import { describe, expect, it } from 'vitest';
import { ConditionsError, filterByConditions } from './conditions.ts';

const rows = [
  {
    id: 1,
    summary: '[Tenantwatch] Forwarding rule',
    closedFlag: false,
    board: { name: 'Service Desk' },
    status: { id: 1, name: 'New' },
    _info: { lastUpdated: '2024-05-01T10:00:00Z' },
  },
  {
    id: 2,
    summary: 'Printer "jam"',
    closedFlag: true,
    board: { name: 'Help Desk' },
    status: { id: 6, name: 'Closed' },
    _info: { lastUpdated: '2024-06-01T10:00:00Z' },
  },
  {
    id: 3,
    summary: '[Tenantwatch] Sign-in from TOR',
    closedFlag: false,
    board: { name: 'Help Desk' },
    status: { id: 2, name: 'In Progress' },
    _info: { lastUpdated: '2024-07-01T10:00:00Z' },
  },
];
const ids = (c: string) => filterByConditions(rows, c).map((r) => r.id);

describe('ConnectWise conditions', () => {
  it.each([
    ['board/name="Help Desk"', [2, 3]],
    ['board/name = "help desk" and closedFlag=false', [3]],
    ['status/id != 1', [2, 3]],
    ['summary like "[Tenantwatch]%"', [1, 3]],
    ['summary not like "%Tenantwatch%"', [2]],
    ['summary contains "TOR"', [3]],
    ['summary = "Printer \\"jam\\""', [2]],
    ['id in (1, 3)', [1, 3]],
    ['id not in (1)', [2, 3]],
    ['(board/name="Service Desk" or status/name="Closed") and id >= 2', [2]],
    ['_info/lastUpdated > [2024-05-15T00:00:00Z]', [2, 3]],
    ['not closedFlag=true', [1, 3]],
    ['', [1, 2, 3]],
  ])('%s', (c, expected) => {
    expect(ids(c)).toEqual(expected);
  });

  it.each(['board/name=', 'id in (1,', 'summary ~ "x"', '(id=1', 'id=1 garbage'])('rejects %s with a position', (c) => {
    expect(() => ids(c)).toThrow(ConditionsError);
  });
});
