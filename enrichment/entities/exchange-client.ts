/**
 * Exchange Online admin commands over the REST endpoint the Exchange Online PowerShell module
 * (v3) uses: `POST {base}/adminapi/beta/{tenantId}/InvokeCommand` with
 * `{"CmdletInput":{"CmdletName":"Get-TransportRule","Parameters":{"Identity":"…"}}}` and an
 * app-only token for `https://outlook.office365.com` holding Exchange.ManageAsApp (the app also
 * needs an Exchange role, e.g. View-Only Organization Management). The answer is an OData
 * collection in `value`; errors carry the Exchange exception text in `error.details[].message`.
 * Calls go through the collector's fetchJson for its retries and throttling handling.
 */
import { fetchJson } from '../../services/microsoft/http.ts';
import { CollectError, parseRetryAfter } from '../../services/microsoft/errors.ts';
import type { GraphAnswer, GraphFailure } from './graph-client.ts';
import type { GetToken } from './types.ts';

export interface ExchangeApi {
  invoke<T>(cmdlet: string, parameters: Record<string, string | number | boolean>): Promise<GraphAnswer<T[]>>;
}

/** The mailbox Exchange routes app-only organisation commands through. */
const ORGANIZATION_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';

export function createExchangeApi(options: { baseUrl: string; tenant: string; getToken: GetToken; timeoutMs?: number }): ExchangeApi {
  const url = `${options.baseUrl.replace(/\/$/, '')}/adminapi/beta/${encodeURIComponent(options.tenant)}/InvokeCommand`;

  async function once<T>(cmdlet: string, parameters: Record<string, string | number | boolean>, fresh: boolean): Promise<GraphAnswer<T[]>> {
    let token: string;
    try {
      token = await options.getToken(options.tenant, 'exchange', { fresh });
    } catch (err) {
      return { ok: false, failure: { status: 0, code: 'TokenUnavailable', message: err instanceof Error ? err.message : String(err) } };
    }
    let failure: GraphFailure | undefined;
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
          attempts: 2,
          maxInlineWaitSeconds: 2,
          describe: (status, text, headers) => {
            const retryAfter = parseRetryAfter(headers.get('retry-after'));
            failure = { status, code: errorCode(text), message: errorMessage(text), ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
            if (status === 429) return new CollectError('throttled', 'throttled', retryAfter);
            if (status >= 500) return new CollectError('server error', 'transient', retryAfter);
            return new CollectError(failure.message, status === 401 ? 'auth' : status === 403 ? 'permission' : 'gone');
          },
        },
      );
      return { ok: true, body: body?.value ?? [] };
    } catch (err) {
      return { ok: false, failure: failure ?? { status: -1, code: 'NetworkError', message: err instanceof Error ? err.message : String(err) } };
    }
  }

  return {
    async invoke<T>(cmdlet: string, parameters: Record<string, string | number | boolean>) {
      const first = await once<T>(cmdlet, parameters, false);
      if (first.ok || first.failure.status !== 401) return first;
      return once<T>(cmdlet, parameters, true);
    },
  };
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
