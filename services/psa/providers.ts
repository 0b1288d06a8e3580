/** Every PSA Tenantwatch files tickets in; a new PsaKind fails compilation until it is listed here. */
import type { z } from 'zod';
import { autotaskProvider } from './autotask/index.ts';
import { connectWiseProvider } from './connectwise/index.ts';
import type { ClientOptions, PsaClient, PsaKind, PsaProvider } from './types.ts';

/** A provider whose connect() parses stored settings and credentials itself: bad configuration fails at construction. */
export type AnyPsaProvider = Omit<PsaProvider, 'settingsSchema' | 'credentialsSchema' | 'connect'> & {
  settingsSchema: z.ZodType;
  credentialsSchema: z.ZodType;
  connect(settings: unknown, credentials: unknown, options?: ClientOptions): PsaClient;
};

function checked<S, C>(p: PsaProvider<S, C>): AnyPsaProvider {
  return { ...p, connect: (settings, credentials, options) => p.connect(p.settingsSchema.parse(settings), p.credentialsSchema.parse(credentials), options) };
}

export const PSA_PROVIDERS: Record<PsaKind, AnyPsaProvider> = {
  connectwise: checked(connectWiseProvider),
  autotask: checked(autotaskProvider),
};
