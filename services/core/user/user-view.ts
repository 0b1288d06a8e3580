import type { appUser } from '../../../db/schema/index.ts';

/** A user as the API shows them: never their password hash or second-factor secret. */
export function toUserView(u: typeof appUser.$inferSelect) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    status: u.status,
    createdAt: u.createdAt.toISOString(),
    lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
    mfaEnabled: u.totpEnabledAt !== null,
    microsoftLinked: u.msObjectId !== null,
  };
}
export type UserView = ReturnType<typeof toUserView>;
