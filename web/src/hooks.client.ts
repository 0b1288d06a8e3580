import type { HandleClientError } from '@sveltejs/kit';
import { describeError } from '$lib/api/errors';

/** Anything a loader did not expect still reaches the error page as plain words. */
export const handleError: HandleClientError = ({ error, status }) => {
  if (status === 404) return { message: 'There is no page at this address.' };
  const { message, requestId } = describeError(error);
  return { message, requestId };
};
