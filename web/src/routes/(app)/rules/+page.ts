import { redirect } from '@sveltejs/kit';
import { canReadWhitelist } from '$components/rules/rules';
import type { PageLoad } from './$types';

// /rules opens the first tab the user may read: whitelist rules need a technician.
export const load: PageLoad = async ({ parent }) => {
  const { session } = await parent();
  redirect(307, canReadWhitelist(session.user.role) ? '/rules/whitelist' : '/rules/custom');
};
