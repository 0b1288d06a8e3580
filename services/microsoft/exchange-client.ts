/**
 * Exchange Online admin commands, reads and writes alike, over the REST endpoint the Exchange
 * Online PowerShell module (v3) uses: `POST {base}/adminapi/beta/{tenantId}/InvokeCommand` with
 * `{"CmdletInput":{"CmdletName":"Get-TransportRule","Parameters":{"Identity":"…"}}}` and an
 * app-only token for `https://outlook.office365.com` holding Exchange.ManageAsApp (the app also
 * needs an Exchange role: View-Only Organization Management to read, Organization Management
 * to change). The answer is an OData collection in `value`; errors carry the Exchange exception
 * text in `error.details[].message`. Calls go through http.ts for its retries and throttling.
 *
 * @example
 *   const exchange = exchangeClientFor({ config, tokens }, tenantRow);
 *   const rules = await exchange.invoke<{ Name: string }>('Get-InboxRule', { Mailbox: 'megan@contoso.com' });
 *   orThrow(await exchange.invoke('Disable-InboxRule', { Identity: 'megan@contoso.com\\Rule', Confirm: false }));
 *   orThrow(await exchange.invoke('Set-Mailbox', { Identity: upn, ForwardingSmtpAddress: null, DeliverToMailboxAndForward: false }));
 */
import type { MicrosoftAnswer, MicrosoftFailure } from './answer.ts';
import { endpointsFor } from './endpoints.ts';
import { CollectError, parseRetryAfter, serviceError } from './errors.ts';
import type { MicrosoftAccess, TokenSource } from './graph-client.ts';
import { fetchJson } from './http.ts';
import type { TenantAuth } from './token-provider.ts';

/** A cmdlet parameter as PowerShell takes it: `$null` clears a setting, arrays are multi-valued parameters. */
export type CmdletValue = string | number | boolean | null | readonly (string | number)[] | { readonly [key: string]: CmdletValue };
export type CmdletParameters = Readonly<Record<string, CmdletValue>>;

export interface ExchangeClientOptions {
  /** `https://outlook.office365.com` (or the simulator). */
  baseUrl: string;
  /** The tenant id (GUID) or initial domain. */
  tenant: string;
  token: TokenSource;
  /** Per-call timeout. Default 20 s. */
  timeoutMs?: number;
}

export interface ExchangeClient {
  /**
   * Runs one cmdlet with its parameters; the answer is the objects it output (empty for most
   * Set-/Remove- cmdlets). Never throws: see MicrosoftAnswer. A 401 is retried once with a fresh
   * token; transient failures are retried only for cmdlets that are safe to repeat (Get-, Set-,
   * Remove-, Enable-, Disable-), so a New- never runs twice.
   */
  invoke<T = Record<string, unknown>>(cmdlet: string, parameters?: CmdletParameters, options?: { permission?: string }): Promise<MicrosoftAnswer<T[]>>;
}

const SERVICE = 'Exchange Online';
/** The mailbox Exchange routes app-only organisation commands through. */
const ORGANIZATION_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';
const REPEATABLE_VERBS = new Set(['get', 'set', 'remove', 'enable', 'disable']);

export function createExchangeClient(options: ExchangeClientOptions): ExchangeClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/adminapi/beta/${encodeURIComponent(options.tenant)}/InvokeCommand`;

  async function once<T>(cmdlet: string, parameters: CmdletParameters, permission: string, fresh: boolean): Promise<MicrosoftAnswer<T[]>> {
    let token: string;
    try {
      token = await options.token({ fresh });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return {
        ok: false,
        failure: {
          status: 0,
          code: 'TokenUnavailable',
          message,
          error: err instanceof CollectError ? err : new CollectError(`Could not get a token for the tenant: ${message}`, 'transient'),
        },
      };
    }
    let failure: MicrosoftFailure | undefined;
    const verb = cmdlet.split('-')[0]?.toLowerCase() ?? '';
    try {
      const { body } = await fetchJson<{ value?: T[] }>(
        url,
        {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json; charset=utf-8',
            Accept: 'application/json',
            'X-CmdletName': cmdlet,
            'X-AnchorMailbox': `APP:${ORGANIZATION_MAILBOX}@${options.tenant}`,
            Prefer: 'odata.maxpagesize=1000',
          },
          body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
        },
        {
          timeoutMs: options.timeoutMs ?? 20_000,
          attempts: REPEATABLE_VERBS.has(verb) ? 2 : 1,
          maxInlineWaitSeconds: 2,
          describe: (status, text, headers) => {
            const retryAfter = parseRetryAfter(headers.get('retry-after'));
            const facts = {
              status,
              code: errorCode(text),
              message: errorMessage(text),
              ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
            };
            failure = {
              ...facts,
              error: serviceError({ service: SERVICE, ...facts, permission, alsoNeeded: `the app holds no Exchange role that allows ${cmdlet}` }),
            };
            return failure.error;
          },
        },
      );
      return { ok: true, body: body?.value ?? [] };
    } catch (err) {
      if (failure) return { ok: false, failure };
      const message = err instanceof Error ? err.message : String(err);
      return {
        ok: false,
        failure: {
          status: -1,
          code: 'NetworkError',
          message,
          error: err instanceof CollectError ? err : serviceError({ service: SERVICE, status: -1, code: '', message }),
        },
      };
    }
  }

  return {
    async invoke<T>(cmdlet: string, parameters: CmdletParameters = {}, callOptions: { permission?: string } = {}) {
      const permission = callOptions.permission ?? 'Exchange.ManageAsApp';
      const first = await once<T>(cmdlet, parameters, permission, false);
      if (first.ok || first.failure.status !== 401) return first;
      return once<T>(cmdlet, parameters, permission, true);
    },
  };
}

/** The Exchange admin client of one tenant row (its endpoints and its own app-only tokens). */
export function exchangeClientFor(access: MicrosoftAccess, tenant: TenantAuth, options: Pick<ExchangeClientOptions, 'timeoutMs'> = {}): ExchangeClient {
  return createExchangeClient({
    ...options,
    baseUrl: endpointsFor(access.config, tenant).exchangeUrl,
    tenant: tenant.tenantGuid,
    token: ({ fresh }) => access.tokens.getToken(tenant, 'exchange', { fresh }),
  });
}

interface ExchangeErrorBody {
  error?: { code?: string; message?: string; details?: { message?: string }[] };
}

function parse(text: string): ExchangeErrorBody {
  try {
    return JSON.parse(text) as ExchangeErrorBody;
  } catch {
    return {};
  }
}

function errorCode(text: string): string {
  return parse(text).error?.code ?? '';
}

/** The readable part of `Ex6F9304|Microsoft.Exchange…ManagementObjectNotFoundException|The operation couldn't…`. */
function errorMessage(text: string): string {
  const e = parse(text).error;
  const raw = e?.details?.[0]?.message ?? e?.message ?? text.slice(0, 300);
  const parts = raw.split('|');
  return (parts.length >= 3 ? parts.slice(2).join('|') : raw).trim();
}
