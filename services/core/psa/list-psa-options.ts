import { z } from 'zod';
import type { PsaKind } from '../../../db/schema/index.ts';
import { AppError, ValidationError } from '../../errors.ts';
import { PSA_PROVIDERS } from '../../psa/providers.ts';
import { PsaError } from '../../psa/types.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { requirePsaConnection, storedPsaClient } from './psa-connection.ts';

export const listPsaOptionsInput = z.object({
  parent: z.string().max(100).optional().describe('For dependent lists: the board (teams, statuses) or issue type (sub-issue types)'),
});

/** Lists a PSA's own choices (companies, boards, queues, priorities, statuses…), read live. */
export async function listPsaOptions({ ctx, kind, list, input }: { ctx: Ctx; kind: PsaKind; list: string; input: z.input<typeof listPsaOptionsInput> }) {
  authorize(ctx, 'psa.read');
  const { parent } = listPsaOptionsInput.parse(input);
  const provider = PSA_PROVIDERS[kind];
  if (list !== 'companies' && !provider.routingLists.some((l) => l.list === list)) {
    throw new ValidationError(`${provider.label} has no list "${list}"; the lists are companies, ${provider.routingLists.map((l) => l.list).join(', ')}.`, [
      { path: 'list', message: 'unknown list' },
    ]);
  }
  const row = await requirePsaConnection(ctx.db, ctx.msp, kind);
  try {
    return { items: await storedPsaClient(ctx, row, { retries: 1 }).list(list, parent ? { parent } : {}) };
  } catch (e) {
    throw toAppError(e);
  }
}

/** A PSA failure as the API's error: the PSA's words, the PSA's kind of problem. */
export function toAppError(e: unknown): unknown {
  if (!(e instanceof PsaError)) return e;
  return new PsaUpstreamError(e);
}

export class PsaUpstreamError extends AppError {
  readonly status: 503 | 422;
  readonly code: string;
  constructor(e: PsaError) {
    super(e.message);
    // The PSA being down or throttling is "try later" (503); anything else needs a person (422).
    this.status = e.retryable || e.reason === 'unknown-site' ? (503 as const) : (422 as const);
    this.code = `psa_${e.reason.replace(/-/g, '_')}`;
  }
}
