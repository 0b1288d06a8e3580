import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEC } from '../../services/sim/m365/scenarios/index.ts';
import type { MailFlowRuleSnapshot } from './mail-flow-rule.ts';
import { contosoRef, FABRIKAM, startHarness, type EnrichmentHarness } from '../../test/helpers/entity-harness.ts';

let h: EnrichmentHarness;
beforeAll(async () => {
  h = await startHarness({
    adjust: (scenario) => {
      scenario.directory!.transportRules!.push({
        Identity: 'Skip spam for partners',
        Name: 'Skip spam for partners',
        Guid: '0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f',
        State: 'Disabled',
        Mode: 'AuditAndNotify',
        Priority: 1,
        Comments: '',
        WhenChanged: '2024-04-01T10:00:00Z',
        SenderDomainIs: ['partner.example'],
        ExceptIfSubjectContainsWords: ['[External]'],
        SetSCL: -1,
        RedirectMessageTo: ['inbox@partner-archive.example'],
        DeleteMessage: false,
      });
    },
  });
});
afterAll(() => h.close());

describe('mail flow rule enrichment through the Exchange admin API', () => {
  it('the bec BCC rule in plain words, enforced, priority 0', async () => {
    const r = await h.entities.enrich(contosoRef('mail_flow_rule', BEC.transportRuleName), { reason: 'Blind-copies outgoing mail outside the organisation' });
    expect(r.status).toBe('recorded');
    const s = (r.status === 'recorded' ? r.snapshot : {}) as MailFlowRuleSnapshot;
    expect(s).toMatchObject({
      name: BEC.transportRuleName,
      status: 'enabled',
      mode: 'Enforce',
      priority: 0,
      copiesTo: [BEC.bccMailbox],
      deletesMessages: false,
      bypassesSpamFiltering: false,
      flaggedReason: 'Blind-copies outgoing mail outside the organisation',
    });
    expect(s.description.sentence).toBe(
      'If the sender is inside the organisation and a recipient is outside the organisation: blind copy (Bcc) the message to "archive.ledger@fabrikam-finance.example".',
    );
    expect(s.parameters).toMatchObject({ FromScope: 'InOrganization', SentToScope: 'NotInOrganization', BlindCopyTo: [BEC.bccMailbox] });
  });

  it('a disabled rule by GUID: SCL -1, redirect, an exception, audit mode', async () => {
    const r = await h.entities.enrich(contosoRef('mail_flow_rule', '0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f'));
    const s = (r.status === 'recorded' ? r.snapshot : {}) as MailFlowRuleSnapshot;
    expect(s).toMatchObject({
      status: 'disabled',
      mode: 'AuditAndNotify',
      priority: 1,
      bypassesSpamFiltering: true,
      copiesTo: ['inbox@partner-archive.example'],
    });
    expect(s.description.sentence).toBe(
      'If the sender\'s domain is "partner.example", except if the subject contains "[External]": redirect the message to "inbox@partner-archive.example", bypass spam filtering (set the spam confidence level to -1).',
    );
  });

  it('a removed rule is entity-deleted', async () => {
    expect(await h.entities.enrich(contosoRef('mail_flow_rule', 'Gone rule'))).toMatchObject({
      status: 'unavailable',
      reason: 'entity-deleted',
      message: 'The mail flow rule no longer exists: it was removed.',
    });
  });

  it('without Exchange.ManageAsApp: permission-missing, naming it', async () => {
    const r = await h.entities.enrich({ kind: 'mail_flow_rule', key: BEC.transportRuleName, tenant: FABRIKAM.tenantId });
    expect(r).toMatchObject({ status: 'unavailable', reason: 'permission-missing' });
    expect(r.status === 'unavailable' && r.message).toMatch(/^The app lacks Exchange\.ManageAsApp/);
  });
});
