/**
 * Entra ID (AADSTS) token endpoint errors in the exact JSON shape login.microsoftonline.com
 * returns, so that msal-node surfaces them the way it does in production
 * (`ServerError` with `errorCode`, `errorMessage` and `subError`).
 */
import { randomUUID } from 'node:crypto';
import { toAadTimestamp } from './clock.ts';

export interface AadError {
  status: 400 | 401;
  error:
    | 'invalid_request'
    | 'invalid_client'
    | 'unauthorized_client'
    | 'invalid_scope'
    | 'invalid_resource'
    | 'unsupported_grant_type'
    | 'invalid_tenant'
    | 'invalid_grant'
    | 'access_denied'
    | 'login_required'
    | 'unsupported_response_type';
  code: number;
  message: string;
}

export interface AadErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

/** `error_uri` points at Microsoft's public error lookup page, as the real service's does (documentation only, never fetched). */
export function aadErrorBody(err: AadError, nowMs: number, correlationId: string | undefined): AadErrorBody {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  const timestamp = toAadTimestamp(nowMs);
  return {
    error: err.error,
    error_description: `AADSTS${err.code}: ${err.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
    error_codes: [err.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${err.code}`,
  };
}

/** `AADSTS{code}: {message}` plus the trace lines, as Entra writes error_description (also in redirects). */
export function aadDescription(err: AadError, nowMs: number, correlationId?: string): string {
  return aadErrorBody(err, nowMs, correlationId).error_description;
}

/** The AADSTS errors a client-credentials collector can meet, with Microsoft's wording. */
export const aad = {
  missingParameter: (name: string): AadError => ({
    status: 400,
    error: 'invalid_request',
    code: 900144,
    message: `The request body must contain the following parameter: '${name}'.`,
  }),
  unsupportedGrant: (grant: string): AadError => ({
    status: 400,
    error: 'unsupported_grant_type',
    code: 70003,
    message: `The app requested an unsupported grant type '${grant}'.`,
  }),
  tenantNotFound: (tenant: string): AadError => ({
    status: 400,
    error: 'invalid_request',
    code: 90002,
    message: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  }),
  appNotFound: (appId: string, tenant: string): AadError => ({
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
    message: `Application with identifier '${appId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  }),
  appDisabled: (appId: string, appName: string): AadError => ({
    status: 400,
    error: 'unauthorized_client',
    code: 7000112,
    message: `Application '${appId}'(${appName}) is disabled.`,
  }),
  noCredential: (): AadError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000218,
    message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  }),
  invalidSecret: (appId: string): AadError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000215,
    message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
  }),
  expiredSecret: (appId: string, appName: string): AadError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000222,
    message: `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds. (app name '${appName}')`,
  }),
  unsupportedAssertionType: (): AadError => ({
    status: 400,
    error: 'invalid_request',
    code: 700010,
    message: "Invalid client_assertion_type: only 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' is supported.",
  }),
  malformedAssertion: (): AadError => ({
    status: 401,
    error: 'invalid_client',
    code: 50027,
    message: 'JWT token is invalid or malformed.',
  }),
  unknownCertificate: (thumbprint: string, appId: string): AadError => ({
    status: 401,
    error: 'invalid_client',
    code: 700027,
    message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${appId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${appId}']`,
  }),
  badAssertionSignature: (thumbprint: string): AadError => ({
    status: 401,
    error: 'invalid_client',
    code: 700027,
    message: `Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${thumbprint}']`,
  }),
  assertionTime: (nowMs: number, nbf: number | undefined, exp: number | undefined): AadError => ({
    status: 401,
    error: 'invalid_client',
    code: 700024,
    message: `Client assertion is not within its valid time range. Current time: ${new Date(nowMs).toISOString()}, assertion valid from ${nbf ? new Date(nbf * 1000).toISOString() : 'unspecified'}, expiry time of assertion ${exp ? new Date(exp * 1000).toISOString() : 'unspecified'}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
  }),
  assertionSubject: (): AadError => ({
    status: 401,
    error: 'invalid_client',
    code: 700021,
    message:
      "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
  }),
  assertionAudience: (aud: string, expected: string): AadError => ({
    status: 401,
    error: 'invalid_client',
    code: 50013,
    message: `Assertion failed signature validation. [Reason - The audience '${aud}' of the client assertion is not valid. Expected audience: '${expected}'.]`,
  }),
  scopeNotDefault: (scope: string): AadError => ({
    status: 400,
    error: 'invalid_scope',
    code: 1002012,
    message: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  }),
  invalidScope: (scope: string): AadError => ({
    status: 400,
    error: 'invalid_scope',
    code: 70011,
    message: `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
  }),
  resourceNotFound: (resource: string, tenant: string): AadError => ({
    status: 400,
    error: 'invalid_resource',
    code: 500011,
    message: `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  }),
  // Interactive sign-in, authorization codes and admin consent.
  redirectUriMismatch: (uri: string, appId: string): AadError => ({
    status: 400,
    error: 'invalid_request',
    code: 50011,
    message: `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
  }),
  replyAddressChanged: (sent: string, original: string): AadError => ({
    status: 400,
    error: 'invalid_grant',
    code: 500112,
    message: `The reply address '${sent}' does not match the reply address '${original}' provided when requesting Authorization code.`,
  }),
  codeRedeemed: (): AadError => ({
    status: 400,
    error: 'invalid_grant',
    code: 54005,
    message: 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  }),
  grantExpired: (): AadError => ({
    status: 400,
    error: 'invalid_grant',
    code: 70008,
    message:
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  }),
  malformedGrant: (): AadError => ({
    status: 400,
    error: 'invalid_grant',
    code: 9002313,
    message: 'Invalid request. Request is malformed or invalid.',
  }),
  grantForOtherClient: (): AadError => ({
    status: 400,
    error: 'invalid_grant',
    code: 70000,
    message: 'Provided grant is invalid or malformed. The grant was issued to a different client.',
  }),
  codeVerifierMismatch: (): AadError => ({
    status: 400,
    error: 'invalid_grant',
    code: 501481,
    message: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  }),
  codeChallengeMethod: (method: string): AadError => ({
    status: 400,
    error: 'invalid_request',
    code: 501491,
    message: `Invalid code_challenge_method '${method}': use 'S256' (or 'plain').`,
  }),
  unsupportedResponseType: (responseType: string): AadError => ({
    status: 400,
    error: 'unsupported_response_type',
    code: 70005,
    message: `response_type '${responseType}' is not enabled for the application.`,
  }),
  scopeNotOnResource: (appName: string, scope: string, resourceAppId: string): AadError => ({
    status: 400,
    error: 'invalid_client',
    code: 650053,
    message: `The application '${appName}' asked for scope '${scope}' that doesn't exist on the resource '${resourceAppId}'. Contact the app vendor.`,
  }),
  loginRequired: (): AadError => ({
    status: 400,
    error: 'login_required',
    code: 50058,
    message: 'A silent sign-in request was sent but no user is signed in.',
  }),
  userDeclined: (): AadError => ({
    status: 400,
    error: 'access_denied',
    code: 65004,
    message: 'User declined to consent to access the app.',
  }),
  adminConsentRequired: (): AadError => ({
    status: 400,
    error: 'access_denied',
    code: 90094,
    message: 'The grant requires admin permission.',
  }),
  flowExpired: (): AadError => ({
    status: 400,
    error: 'invalid_request',
    code: 50089,
    message:
      'Authentication failed due to flow token expired. Expected - auth codes, refresh tokens, and sessions expire over time or are revoked by the user or an admin. The app will request a new login from the user.',
  }),
  userNotFound: (tenant: string): AadError => ({
    status: 400,
    error: 'invalid_request',
    code: 50034,
    message: `The user account {EmailHidden} does not exist in the ${tenant} directory. To sign into this application, the account must be added to the directory.`,
  }),
  badPassword: (): AadError => ({
    status: 400,
    error: 'invalid_request',
    code: 50126,
    message: 'Error validating credentials due to invalid username or password.',
  }),
  accountDisabled: (): AadError => ({
    status: 400,
    error: 'invalid_request',
    code: 50057,
    message: 'The user account is disabled.',
  }),
  userNotInTenant: (upn: string, homeTenantId: string, tenantName: string, appId: string, appName: string): AadError => ({
    status: 400,
    error: 'invalid_request',
    code: 50020,
    message: `User account '${upn}' from identity provider 'https://sts.windows.net/${homeTenantId}/' does not exist in tenant '${tenantName}' and cannot access the application '${appId}'(${appName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Microsoft Entra user account.`,
  }),
};
