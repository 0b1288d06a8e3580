import { InvalidArgumentError, Option } from 'commander';
import { USER_ROLES } from '../../db/schema/index.ts';

/** Options several commands share. */
export type Role = (typeof USER_ROLES)[number];

export const roleOption = () =>
  new Option('--role <role>', 'owner, admin, technician or read-only').argParser((v) => {
    const role = v.replace('-', '_');
    if (!(USER_ROLES as readonly string[]).includes(role)) throw new InvalidArgumentError('expected owner, admin, technician or read-only');
    return role as Role;
  });

export const mspOption = () => new Option('--msp <id>', 'the MSP to act on (needed only when there are several)');

export const TENANT_HELP = 'tenant id, Microsoft tenant id, primary domain or name';

/** `7d`, `12h`, `30m` → milliseconds. */
export function parseAge(value: string): number {
  const match = /^(\d+)\s*([dhm])$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected an age such as 7d, 12h or 30m');
  const n = Number(match[1]);
  return n * { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
}
