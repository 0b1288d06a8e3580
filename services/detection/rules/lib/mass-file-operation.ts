/** Mass download and mass deletion share their shape: many distinct files by one user in a short time. */
import { z } from 'zod';
import type { EntityKind } from '../../../../db/schema/index.ts';
import { MINUTE } from '../../records.ts';
import { defineRule, type RegisteredRule, type RemediationAction, type SeriesName } from '../../types.ts';
import { count, minutes, user } from './common.ts';
import { busiestWindow, listSome } from './windows.ts';

export function massFileOperationRule(spec: {
  id: string;
  title: string;
  mitre: string[];
  series: SeriesName;
  operations: ReadonlySet<string>;
  verb: string;
  eventType: string;
  description: string;
  howToReact: string;
  remediations: Partial<Record<EntityKind, readonly RemediationAction[]>>;
  threshold: number;
  windowMinutes: number;
}): RegisteredRule {
  const settings = z.object({ threshold: count(spec.threshold), windowMinutes: minutes(spec.windowMinutes) });
  return defineRule({
    id: spec.id,
    title: spec.title,
    severity: 'medium',
    mitre: spec.mitre,
    description: spec.description,
    howToReact: spec.howToReact,
    remediations: spec.remediations,
    dedupMinutes: 4 * 60,
    settings,
    on: { operations: [...spec.operations] },
    reads: [{ series: spec.series, before: (s) => s.windowMinutes * MINUTE, after: (s) => s.windowMinutes * MINUTE }],
    match(record, ctx) {
      if (!record.actorUpn || !spec.operations.has(record.operation)) return null;
      const w = ctx.settings.windowMinutes * MINUTE;
      const t = record.occurredAt.getTime();
      const window = busiestWindow(ctx.window(spec.series, record.actorUpn, new Date(t - w), new Date(t + w)), record.occurredAt, w, (o) =>
        String(o.data.object ?? o.id),
      );
      if (window.count < ctx.settings.threshold) return null;
      const files = [...new Set(window.items.map((o) => String(o.data.object ?? '')).filter(Boolean))].map((f) => f.split('/').pop() ?? f);
      return {
        primary: user(record.actorUpn),
        description: `${record.actorUpn} ${spec.verb} ${window.count} files within ${ctx.settings.windowMinutes} minutes (${listSome(files, 3)}).`,
        eventType: spec.eventType,
        operationResult: 'Success',
        fields: { files: window.count },
      };
    },
  });
}
