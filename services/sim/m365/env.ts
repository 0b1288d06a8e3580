/** Per-request variables shared by the simulator's routers (read by the request log). */
import type { ValidToken } from './access-token.ts';
import type { SimTenant } from './state.ts';

export interface SimEnv {
  Variables: {
    tenant?: SimTenant;
    tenantId?: string;
    appId?: string;
    token?: ValidToken;
    fault?: string;
  };
}
