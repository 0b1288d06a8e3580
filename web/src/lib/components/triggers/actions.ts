import type { components } from '$lib/api/schema';

export type ActionKind = components['schemas']['Trigger']['actions'][number]['kind'];
export type ActionDraft = { kind: ActionKind; settings: Record<string, unknown>; hasSecret: boolean };

export const ACTION_LABELS: Record<ActionKind, string> = {
  email: 'Send email',
  webhook: 'Web request',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  remediation: 'Run remediation',
  ticket: 'Create a ticket',
};

/** A new action with its starting settings. */
export function blankAction(kind: ActionKind): ActionDraft {
  switch (kind) {
    case 'email':
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
