/** Where a tenant's Microsoft services are: Microsoft's own, or the demo's simulator. */
export type MicrosoftEndpoints = {
  /** Entra ID sign-in, e.g. https://login.microsoftonline.com. */
  loginUrl: string;
  graphUrl: string;
  managementUrl: string;
  /** The Exchange Online admin API host (InvokeCommand), e.g. https://outlook.office365.com. */
  exchangeUrl: string;
};

/**
 * What endpoint resolution reads of the configuration: the configured (Microsoft) addresses and,
 * while the demo runs, its simulator's (resolved once at start-up, see services/demo/demo.ts).
 */
export type EndpointSettings = { microsoft: MicrosoftEndpoints; demoMicrosoft?: MicrosoftEndpoints | null };

/**
 * The endpoints for one tenant. Real tenants use the configured (Microsoft) addresses; the demo
 * tenant uses the in-process simulator while the demo runs. The code calling them is the same.
 */
export function endpointsFor(config: EndpointSettings, tenant: { isDemo?: boolean }): MicrosoftEndpoints {
  if (tenant.isDemo && config.demoMicrosoft) return config.demoMicrosoft;
  const { loginUrl, graphUrl, managementUrl, exchangeUrl } = config.microsoft;
  return { loginUrl, graphUrl, managementUrl, exchangeUrl };
}
