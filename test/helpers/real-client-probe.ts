/**
 * A miniature collector built only from the real client libraries, run as its own process so
 * it can trust the simulator's TLS certificate through NODE_EXTRA_CA_CERTS exactly as a
 * deployment would. It prints what it collected as JSON. Used by real-clients.test.ts.
 *
 * Input (env SIM_PROBE): { simUrl, tenantId, clientId, thumbprintSha256, privateKeyPem, filter }
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client, PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { graphClientOptions, msalAuthorityOptions } from '../../services/sim/m365/client-options.ts';

interface ProbeInput {
  simUrl: string;
  tenantId: string;
  clientId: string;
  thumbprintSha256: string;
  privateKeyPem: string;
  filter: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env.SIM_PROBE ?? '{}') as ProbeInput;
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: input.clientId,
      ...msalAuthorityOptions(input.simUrl, input.tenantId),
      clientCertificate: { thumbprintSha256: input.thumbprintSha256, privateKey: input.privateKeyPem },
    },
  });
  const graphToken = async (): Promise<string> => {
    const result = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    if (!result) throw new Error('no token');
    return result.accessToken;
  };
  const client = Client.initWithMiddleware({ authProvider: { getAccessToken: graphToken }, ...graphClientOptions(input.simUrl) });

  const signInIds: string[] = [];
  const first = (await client.api('/auditLogs/signIns').filter(input.filter).top(25).get()) as PageCollection;
  const iterator = new PageIterator(client, first, (item: { id: string }) => {
    signInIds.push(item.id);
    return true;
  });
  await iterator.iterate();

  const users = (await client.api('/users').select(['id', 'userPrincipalName', 'signInActivity']).top(500).get()) as { value: unknown[] };
  const manage = await cca.acquireTokenByClientCredential({ scopes: ['https://manage.office.com/.default'] });
  const list = await fetch(`${input.simUrl}/api/v1.0/${input.tenantId}/activity/feed/subscriptions/list`, {
    headers: { Authorization: `Bearer ${manage?.accessToken ?? ''}` },
  });
  process.stdout.write(JSON.stringify({ signInIds, users: users.value.length, managementStatus: list.status }));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
