import { and, desc, eq, lt, or } from 'drizzle-orm';
import { z } from 'zod';
import { whitelistRule } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { listCursor, pageInput } from '../pagination.ts';
import { findRule, selectRules, toWhitelistRuleView } from './rule-view.ts';

const cursorShape = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);

/** The MSP's whitelist rules, newest first, keyset-paged. */
export async function listWhitelistRules({ ctx, input }: { ctx: Ctx; input: z.input<typeof pageInput> }) {
  authorize(ctx, 'whitelist.read');
  const { limit, cursor } = pageInput.parse(input);
  const pages = listCursor(ctx, 'whitelist-rules:created', cursorShape);
  const after = pages.decode(cursor);
  const rows = await selectRules(ctx.db)
    .where(
      and(
        eq(whitelistRule.mspId, ctx.msp),
        after
          ? or(lt(whitelistRule.createdAt, new Date(after[0])), and(eq(whitelistRule.createdAt, new Date(after[0])), lt(whitelistRule.id, after[1])))
          : undefined,
      ),
    )
    .orderBy(desc(whitelistRule.createdAt), desc(whitelistRule.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const now = new Date();
  return {
    items: page.map((r) => toWhitelistRuleView(r, now)),
    nextCursor: rows.length > limit && last ? pages.encode([last.rule.createdAt.toISOString(), last.rule.id]) : null,
  };
}

export async function getWhitelistRule({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'whitelist.read');
  return toWhitelistRuleView(await findRule(ctx.db, ctx, id));
}
