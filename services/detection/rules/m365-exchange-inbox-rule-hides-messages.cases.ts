import type { RuleCase } from '../types.ts';
import { inboxRule, updateInboxRules } from './fixtures/case-records.ts';

export const cases: RuleCase[] = [
  {
    name: 'captured record: rule "." deletes and marks read',
    expected: true,
    record: inboxRule({
      name: '.',
      parameters: [
        ['DeleteMessage', 'True'],
        ['MarkAsRead', 'True'],
        ['StopProcessingRules', 'True'],
      ],
    }),
  },
  {
    name: 'moves everything from a vendor to RSS Feeds',
    expected: true,
    record: inboxRule({
      name: 'x',
      parameters: [
        ['From', 'ap@fabrikam.com'],
        ['MoveToFolder', 'megan.bowen@contoso.com:\\RSS Feeds'],
      ],
    }),
  },
  {
    name: 'moves to Conversation History',
    expected: true,
    record: inboxRule({
      name: 'cleanup',
      parameters: [
        ['MoveToFolder', 'Conversation History'],
        ['StopProcessingRules', 'True'],
      ],
    }),
  },
  {
    name: 'marks read and moves to an ordinary-looking folder',
    expected: true,
    record: inboxRule({
      name: 'Filing',
      parameters: [
        ['FromAddressContainsWords', 'fabrikam'],
        ['MarkAsRead', 'True'],
        ['MoveToFolder', 'Filing'],
      ],
    }),
  },
  { name: 'Outlook desktop rule that deletes', expected: true, record: updateInboxRules({ ruleName: '..', actions: [{ ActionType: 'Delete' }] }) },
  {
    name: 'near miss: newsletters moved to a named folder, not marked read',
    expected: false,
    record: inboxRule({
      name: 'Newsletters',
      parameters: [
        ['From', 'news@fabrikam.com'],
        ['MoveToFolder', 'Newsletters'],
        ['StopProcessingRules', 'True'],
      ],
    }),
  },
  {
    name: 'near miss: only marks read',
    expected: false,
    record: inboxRule({
      name: 'Read receipts',
      parameters: [
        ['SubjectContainsWords', 'Read:'],
        ['MarkAsRead', 'True'],
      ],
    }),
  },
  {
    name: 'benign: flags mail from the boss',
    expected: false,
    record: inboxRule({
      name: 'Boss',
      parameters: [
        ['From', 'ceo@contoso.com'],
        ['MarkImportance', 'High'],
      ],
    }),
  },
];
