import { describe, expect, test } from 'vitest';
import { detectRecords } from './evaluate.ts';
import { RULES } from './registry.ts';
import { exchangeCmdlet, ualDirectory } from './rules/fixtures/case-records.ts';

/** What an event is about across several records: the engine dedups on `dedupKey ?? primary.key`. */
const keyOf = (m: ReturnType<typeof detectRecords>[number]) => m.finding.dedupKey ?? m.finding.primary.key;

describe('precision across records', () => {
  test('forwarding set on three mailboxes by one admin is three events, one per mailbox', () => {
    const mailboxes = ['Lidia Holloway', 'Isabella Ruiz', 'Megan Bowen'];
    const records = mailboxes.map((name, i) =>
      exchangeCmdlet({
        operation: 'Set-Mailbox',
        user: 'admin@contoso.onmicrosoft.com',
        appPool: 'PowerShell',
        minutes: i,
        parameters: [
          ['Identity', `NAMPR04A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/${name}`],
          ['ForwardingSmtpAddress', 'smtp:drop@fabrikam-mail.example'],
        ],
      }),
    );
    const matches = detectRecords(records, { rules: RULES, domains: ['contoso.com'] }).filter((m) => m.rule.id === 'M365.Exchange.ExternalForwarding');
    expect(matches).toHaveLength(3);
    expect(new Set(matches.map(keyOf)).size).toBe(3);
    for (const [i, m] of matches.entries()) {
      expect(m.finding.primary.kind).toBe('mailbox');
      expect(m.finding.description).toContain(mailboxes[i]!.toLowerCase());
      expect(keyOf(m)).not.toBe('admin@contoso.onmicrosoft.com');
    }
  });

  test("a burst of password resets: the event's user is the admin its text names, whichever reset comes last", () => {
    const resets = [1, 2, 3, 4, 5, 6].map((i) =>
      ualDirectory({
        operation: 'Reset user password.',
        actor: 'helpdesk@contoso.com',
        minutes: i * 3,
        target: { id: `1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5${i}`, type: 'User', upn: `user${i}@contoso.com` },
      }),
    );
    const matches = detectRecords(resets, { rules: RULES, domains: ['contoso.com'] }).filter((m) => m.rule.id === 'M365.AzureAD.AdminPasswordReset');
    expect(matches.length).toBeGreaterThanOrEqual(5);
    expect(new Set(matches.map(keyOf))).toEqual(new Set(['helpdesk@contoso.com']));
    for (const m of matches) {
      expect(m.finding.userName).toBe('helpdesk@contoso.com');
      expect(m.finding.description).toMatch(/^helpdesk@contoso\.com reset the passwords of 6 accounts/);
    }
  });

  test("Microsoft's provisioning of a new mailbox and tenant raises nothing", () => {
    const system = 'NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)';
    const records = [
      exchangeCmdlet({
        operation: 'Add-MailboxPermission',
        user: system,
        parameters: [
          ['Identity', 'DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}'],
          ['User', 'Discovery Management'],
          ['AccessRights', 'FullAccess'],
        ],
      }),
      exchangeCmdlet({
        operation: 'New-ManagementRoleAssignment',
        user: system,
        parameters: [
          ['Role', 'ApplicationImpersonation'],
          ['SecurityGroup', 'Organization Management'],
        ],
      }),
      exchangeCmdlet({
        operation: 'Set-CASMailbox',
        user: system,
        parameters: [
          ['Identity', 'new.hire@contoso.com'],
          ['PopEnabled', 'True'],
          ['ImapEnabled', 'True'],
        ],
      }),
      exchangeCmdlet({
        operation: 'Set-Mailbox',
        user: system,
        parameters: [
          ['Identity', 'new.hire@contoso.com'],
          ['AuditLogAgeLimit', '7.00:00:00'],
          ['AuditOwner', 'MailboxLogin'],
        ],
      }),
    ];
    expect(detectRecords(records, { rules: RULES, domains: ['contoso.com'] }).map((m) => m.rule.id)).toEqual([]);
  });
});
