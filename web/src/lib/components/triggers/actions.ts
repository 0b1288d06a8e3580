import type { components } from '$lib/api/schema';

export type ActionKind = components['schemas']['Trigger']['actions'][number]['kind'];
export type TriggerKind = components['schemas']['Trigger']['kind'];

export const KIND_LABELS: Record<TriggerKind, string> = {
  event: 'Event',
  score: 'Risk score',
  schedule: 'Schedule',
};

/** The actions a kind of trigger can run: a schedule has no event to file a ticket for or to remediate. */
export function actionKindsFor(kind: TriggerKind): ActionKind[] {
  const all = Object.keys(ACTION_LABELS) as ActionKind[];
  return kind === 'schedule' ? all.filter((k) => k !== 'ticket' && k !== 'remediation') : all;
}
export type ActionDraft = { kind: ActionKind; settings: Record<string, unknown>; hasSecret: boolean };

export const ACTION_LABELS: Record<ActionKind, string> = {
  email: 'Send email',
  webhook: 'Web request',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  remediation: 'Run remediation',
  ticket: 'Create a ticket',
};

/** A new action with its starting settings (its messages worded for the kind of trigger). */
export function blankAction(kind: ActionKind, trigger: TriggerKind = 'event'): ActionDraft {
  switch (kind) {
    case 'email':
      if (trigger === 'score')
        return {
          kind,
          hasSecret: false,
          settings: {
            to: ['@owners'],
            subject: 'Risk score {Score.Value} ({Score.Band}): {Score.UserName} in {Event.Tenant}',
            html: false,
            body: "{Score.UserName}'s risk score is {Score.Value}, now {Score.Band}.\n\nOpen events behind it: {Score.Events}",
          },
        };
      // A schedule's email is its report; only the recipients are its own.
      if (trigger === 'schedule') return { kind, hasSecret: false, settings: { to: ['@owners'], subject: 'Report', body: 'Report' } };
      return {
        kind,
        hasSecret: false,
        settings: {
          to: ['@owners'],
          subject: '[{Event.Severity}] {Event.Title} in {Event.Tenant}',
          html: false,
          body: '{Event.Description}\n\nUser: {Event.UserName}\nIP address: {Event.NetworkAddress}\nTime: {Event.Time}',
        },
      };
    case 'webhook':
      return { kind, hasSecret: false, settings: { method: 'POST', url: '', contentType: 'application/json', headers: [] } };
    case 'remediation':
      return { kind, hasSecret: false, settings: { action: 'block-sign-in', entityKind: null } };
    case 'ticket':
      // Where the ticket goes is the tenant's mapping on the Integrations page.
      return { kind, hasSecret: false, settings: {} };
    default:
      return { kind, hasSecret: false, settings: { webhookUrl: '' } };
  }
}

/** What the API takes: the settings, leaving out an empty secret (the saved one is kept). */
export function toActionInput(a: ActionDraft): { kind: ActionKind; settings: Record<string, unknown> } {
  const settings = { ...a.settings };
  if (settings.secret === '' || settings.secret === undefined) delete settings.secret;
  if (settings.from === '') delete settings.from;
  return { kind: a.kind, settings };
}
