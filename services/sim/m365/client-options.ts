/**
 * The client configuration that points msal-node and the Graph SDK at a simulator, in one
 * place so the README, the tests and the demo agree. Production uses none of this: there
 * the authority is https://login.microsoftonline.com/{tenant} and Graph is graph.microsoft.com.
 */

export interface MsalAuthorityOptions {
  authority: string;
  knownAuthorities: string[];
  authorityMetadata?: string;
}

/**
 * msal-node options for a simulator at `simUrl`.
 *
 * - Over https (the simulator started with `tls`, its certificate trusted through
 *   NODE_EXTRA_CA_CERTS) msal-node needs only `authority` and `knownAuthorities`: it fetches
 *   OpenID discovery from the simulator and never calls login.microsoftonline.com.
 * - Over http msal-node refuses an `http:` authority (`authority_uri_insecure`), but it never
 *   fetches the authority itself when `authorityMetadata` is given, and it posts to whatever
 *   `token_endpoint` that metadata names. So the authority is written with `https:` (only
 *   parsed) and the metadata carries the real `http:` endpoints.
 */
export function msalAuthorityOptions(simUrl: string, tenantId: string): MsalAuthorityOptions {
  const url = new URL(simUrl);
  const authority = `https://${url.host}/${tenantId}`;
  if (url.protocol === 'https:') return { authority, knownAuthorities: [url.host] };
  const base = `${url.origin}/${tenantId}`;
  return {
    authority,
    knownAuthorities: [url.host],
    authorityMetadata: JSON.stringify({
      token_endpoint: `${base}/oauth2/v2.0/token`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      issuer: `${base}/v2.0`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
    }),
  };
}

/**
 * Graph SDK (v3) options: `baseUrl` and `customHosts`. The SDK attaches the bearer token only
 * to https URLs of graph.microsoft.com or a custom host, and follows `@odata.nextLink` only
 * when it starts with https://, so the simulator must be served over https for the SDK.
 */
export function graphClientOptions(simUrl: string): { baseUrl: string; customHosts: Set<string> } {
  const url = new URL(simUrl);
  return { baseUrl: `${url.origin}/`, customHosts: new Set([url.hostname]) };
}
