import type { Ctx } from '../context.ts';
import { updateCustomDetection } from './update-custom-detection.ts';

/** Turns a custom detection on or off without touching anything else (audited as an update). */
export async function setCustomDetectionEnabled({ ctx, id, enabled }: { ctx: Ctx; id: string; enabled: boolean }) {
  return updateCustomDetection({ ctx, id, input: { enabled } });
}
