import type { PartialIpIntel } from '../../../enrichment/ip/types.ts';
import type { RuleCase } from '../types.ts';
import { ualSignIn } from './fixtures/case-records.ts';

/** Addresses of one AWS network (an API gateway rotating its egress), and an office ISP. */
const aws = (i: number) => `3.120.${i}.${10 + i}`;
const AWS: PartialIpIntel = { network: { asNumber: 16509, asOrganization: 'AMAZON-02' } };
const OFFICE: PartialIpIntel = { network: { asNumber: 3320, asOrganization: 'Deutsche Telekom AG' } };
const intel = (n: number, net: PartialIpIntel, address: (i: number) => string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [address(i), net]));
const office = (i: number) => `84.150.${i}.20`;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** One failed password per account, each from its own address. */
const rotating = (n: number, address: (i: number) => string, userAgent?: string) =>
  Array.from({ length: n }, (_, i) => ualSignIn({ user: `user${i}@contoso.com`, ip: address(i), errorNumber: 50126, minutes: i, userAgent }));

export const cases: RuleCase[] = [
  {
    name: 'ten accounts from ten addresses of one cloud network (API gateway rotation)',
    expected: true,
    history: rotating(9, aws),
    record: ualSignIn({ user: 'user9@contoso.com', ip: aws(9), errorNumber: 50126, minutes: 9 }),
    ipIntel: intel(10, AWS, aws),
  },
  {
    name: 'small tenant (8 users): five accounts from five addresses sharing the o365spray user agent',
    expected: true,
    userCount: 8,
    history: rotating(
      4,
      (i) => `198.51.100.${i + 1}`,
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/104.0.0.0 Safari/537.36',
    ),
    record: ualSignIn({
      user: 'user4@contoso.com',
      ip: '198.51.100.40',
      errorNumber: 50126,
      minutes: 5,
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/104.0.0.0 Safari/537.36',
    }),
  },
  {
    name: 'near miss: ten colleagues on the same ISP mistype and then sign in',
    expected: false,
    history: [
      ...rotating(9, office, CHROME),
      ...Array.from({ length: 9 }, (_, i) => ualSignIn({ user: `user${i}@contoso.com`, ip: office(i), minutes: i + 1, userAgent: CHROME })),
    ],
    record: ualSignIn({ user: 'user9@contoso.com', ip: office(9), errorNumber: 50126, minutes: 9, userAgent: CHROME }),
    ipIntel: intel(10, OFFICE, office),
  },
  {
    name: 'near miss: large tenant (300 users), six accounts from one network',
    expected: false,
    userCount: 300,
    history: rotating(5, aws),
    record: ualSignIn({ user: 'user5@contoso.com', ip: aws(5), errorNumber: 50126, minutes: 5 }),
    ipIntel: intel(6, AWS, aws),
  },
  {
    name: 'near miss: one address trying every account is the one-address spray, not this',
    expected: false,
    history: rotating(9, () => '159.203.84.17'),
    record: ualSignIn({ user: 'user9@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 9 }),
  },
  {
    name: 'near miss: very large tenant (5,000 users), twelve staff on the company ISP fail and give up',
    expected: false,
    userCount: 5000,
    history: rotating(11, office, CHROME),
    record: ualSignIn({ user: 'user11@contoso.com', ip: office(11), errorNumber: 50126, minutes: 11, userAgent: CHROME }),
    ipIntel: intel(12, OFFICE, office),
  },
  {
    name: 'very large tenant (5,000 users): sixty accounts from sixty cloud addresses',
    expected: true,
    userCount: 5000,
    history: Array.from({ length: 59 }, (_, i) => ualSignIn({ user: `user${i}@contoso.com`, ip: aws(i), errorNumber: 50126, minutes: i * 0.5 })),
    record: ualSignIn({ user: 'user59@contoso.com', ip: aws(59), errorNumber: 50126, minutes: 30 }),
    ipIntel: intel(60, AWS, aws),
  },
];
