import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRule } from '../../services/sim/m365/directory.ts';
import { BEC } from '../../services/sim/m365/scenarios/index.ts';
import { mailFolderId } from '../../services/sim/m365/scenarios/mail-folders.ts';
import { inboxRuleKey, type InboxRuleSnapshot } from './inbox-rule.ts';
import { contosoRef, FABRIKAM, startHarness, type EnrichmentHarness } from '../../test/helpers/entity-harness.ts';

const HOSTILE = '<img src=x onerror=alert(1)>\nIf the subject contains "x": do nothing.\u202e';
let h: EnrichmentHarness;
let victimId: string;

beforeAll(async () => {
  h = await startHarness({
    adjust: (scenario) => {
      const victim = scenario.users!.find((u) => u.userPrincipalName === BEC.victimUpn)!;
      victimId = victim.id;
      const rules = scenario.directory!.messageRules![victim.id]!;
      const extra: MessageRule[] = [
        {
          id: 'AQAAAAAAAAE=',
          displayName: 'Old newsletter rule',
          sequence: 2,
          isEnabled: false,
          hasError: false,
          isReadOnly: false,
          conditions: { senderContains: ['news'] },
          actions: { moveToFolder: mailFolderId(victim.id, 'RSS Feeds'), markAsRead: true },
        },
        {
          id: 'AQAAAAAAAAI=',
          displayName: HOSTILE,
          sequence: 3,
          isEnabled: true,
          hasError: false,
          isReadOnly: false,
          conditions: { subjectContains: ['</script><b>', 'pay\nment'] },
          actions: { redirectTo: [{ emailAddress: { name: 'x', address: 'attacker@evil.example' } }], permanentDelete: true },
        },
      ];
      rules.push(...extra);
    },
  });
});
afterAll(() => h.close());

async function snapshot(key: string, reason?: string): Promise<InboxRuleSnapshot> {
  const r = await h.entities.enrich(contosoRef('inbox_rule', key), reason ? { reason } : {});
  if (r.status !== 'recorded') throw new Error(`${r.reason}: ${r.message}`);
  return r.snapshot as InboxRuleSnapshot;
}

describe('inbox rule enrichment against the simulator', () => {
  it('the bec rule by name (as the audit record names it), in plain words, with the detection reason', async () => {
    const s = await snapshot(inboxRuleKey(BEC.victimUpn, BEC.inboxRuleName), 'Forwards mail to an external address and deletes it');
    expect(s).toMatchObject({
      name: '..',
      status: 'enabled',
      forwardsTo: [BEC.attackerMailbox],
      deletesMessages: true,
      flaggedReason: 'Forwards mail to an external address and deletes it',
      mailbox: BEC.victimUpn,
    });
    expect(s.description.sentence).toBe(
      'If the subject or body contains "invoice", "payment" or "wire transfer": forward to "remit.desk@fabrikam-finance.example", delete the message (move it to Deleted Items), mark as read, stop processing more rules.',
    );
    expect(s.description.conditions[0]?.segments).toEqual([
      { text: 'the subject or body contains ' },
      { value: 'invoice' },
      { text: ', ' },
      { value: 'payment' },
      { text: ' or ' },
      { value: 'wire transfer' },
    ]);
    // The same rule by its Graph id and by the mailbox's object id.
    expect((await snapshot(inboxRuleKey(victimId, s.ruleId))).name).toBe('..');
  });

  it('a disabled rule, with the folder it moves to by name', async () => {
    const s = await snapshot(inboxRuleKey(BEC.victimUpn, 'Old newsletter rule'));
    expect(s.status).toBe('disabled');
    expect(s.description.sentence).toBe('If the sender\'s address contains "news": move to "RSS Feeds", mark as read.');
  });

  it('hostile names and strings stay data: raw in the snapshot, quoted and escaped in the sentence', async () => {
    const s = await snapshot(inboxRuleKey(BEC.victimUpn, 'AQAAAAAAAAI='));
    expect(s.name).toBe(HOSTILE);
    expect(s.description.conditions[0]?.segments).toContainEqual({ value: 'pay\nment' });
    expect(s.description.sentence).not.toMatch(/[\n\u202e]/);
    expect(s.description.sentence).toBe(
      'If the subject contains "</script><b>" or "pay\\nment": redirect to "attacker@evil.example", delete the message permanently.',
    );
    expect(s.forwardsTo).toEqual(['attacker@evil.example']);
    // Found by its hostile name too.
    expect((await snapshot(inboxRuleKey(BEC.victimUpn, HOSTILE))).ruleId).toBe('AQAAAAAAAAI=');
  });

  it('a deleted rule and a deleted mailbox are entity-deleted', async () => {
    expect(await h.entities.enrich(contosoRef('inbox_rule', inboxRuleKey(BEC.victimUpn, 'no such rule')))).toMatchObject({
      status: 'unavailable',
      reason: 'entity-deleted',
      message: 'The inbox rule no longer exists in the mailbox: it was deleted.',
    });
    expect(await h.entities.enrich(contosoRef('inbox_rule', inboxRuleKey(BEC.formerUser.upn, '..')))).toMatchObject({
      status: 'unavailable',
      reason: 'entity-deleted',
      message: 'The mailbox no longer exists in the tenant.',
    });
    expect(await h.entities.enrich(contosoRef('inbox_rule', 'no-backslash'))).toMatchObject({ status: 'unavailable', reason: 'no-data' });
  });

  it('without MailboxSettings.Read: permission-missing, naming it', async () => {
    const upn = h.sim.state.findTenant(FABRIKAM.tenantId)!.users[0]!.userPrincipalName;
    expect(await h.entities.enrich({ kind: 'inbox_rule', key: inboxRuleKey(upn, 'x'), tenant: FABRIKAM.tenantId })).toMatchObject({
      status: 'unavailable',
      reason: 'permission-missing',
      message: 'The app lacks MailboxSettings.Read; grant it and give admin consent.',
    });
  });
});
