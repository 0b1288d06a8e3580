/**
 * The API's minimum password length (services/core/auth/passwords.ts, PASSWORD_MIN), shown to
 * people before they submit. The API enforces it either way.
 */
export const PASSWORD_MIN_LENGTH = 12;

/** The hint under a new-password field: what is needed, and how far along they are. */
export function passwordHint(password: string): string {
  const missing = PASSWORD_MIN_LENGTH - password.length;
  if (password.length === 0) return `At least ${PASSWORD_MIN_LENGTH} characters. A passphrase of a few words works well.`;
  if (missing > 0) return `At least ${PASSWORD_MIN_LENGTH} characters: ${missing} more to go.`;
  return `✓ Long enough (${PASSWORD_MIN_LENGTH} characters or more).`;
}
