import type { RuleCase } from '../types.ts';
import { inboxRule } from './fixtures/case-records.ts';

export const cases: RuleCase[] = [
  {
    name: 'deletes mail about invoices and payments',
    expected: true,
    record: inboxRule({
      name: '..',
      parameters: [
        ['SubjectOrBodyContainsWords', 'invoice;payment;wire transfer'],
        ['DeleteMessage', 'True'],
      ],
    }),
  },
  {
    name: 'marks password-reset mail read',
    expected: true,
    record: inboxRule({
      name: 'x',
      parameters: [
        ['SubjectContainsWords', 'password'],
        ['MarkAsRead', 'True'],
      ],
    }),
  },
  {
    name: 'moves "bank details" mail to RSS Feeds',
    expected: true,
    record: inboxRule({
      name: 'Feeds',
      parameters: [
        ['BodyContainsWords', 'bank details'],
        ['MoveToFolder', 'RSS Feeds'],
      ],
    }),
  },
  {
    name: 'near miss: files invoices into an Invoices folder',
    expected: false,
    record: inboxRule({
      name: 'Invoices',
      parameters: [
        ['SubjectContainsWords', 'invoice'],
        ['MoveToFolder', 'Invoices'],
      ],
    }),
  },
  {
    name: 'near miss: word inside another word ("banking" is not "bank"; "swiftly")',
    expected: false,
    record: inboxRule({
      name: 'x',
      parameters: [
        ['SubjectContainsWords', 'swiftly'],
        ['DeleteMessage', 'True'],
      ],
    }),
  },
  {
    name: 'benign: newsletters',
    expected: false,
    record: inboxRule({
      name: 'Newsletters',
      parameters: [
        ['From', 'news@fabrikam.com'],
        ['MoveToFolder', 'Newsletters'],
      ],
    }),
  },
];
