/**
 * Management Activity API webhooks: the validation handshake on /subscriptions/start and
 * notifications when new content blobs are published. Deliveries go over real HTTP to the
 * registered address; the first attempt is awaited by whoever moved the clock or added
 * content (so tests can assert right after), retries run in the background.
 */
import { randomBytes } from 'node:crypto';
import { contentItem } from './management-content.ts';
import type { ContentBlob, SimState, SimTenant, Subscription } from './state.ts';

export interface WebhookResult {
  ok: boolean;
  status?: number;
  error?: string;
}

const DELIVERY_TIMEOUT_MS = 5_000;
/** After this many consecutive failed deliveries the service disables the webhook (re-enabled by /start). */
export const MAX_FAILED_DELIVERIES = 5;

async function post(address: string, headers: Record<string, string>, body: unknown): Promise<WebhookResult> {
  try {
    const response = await fetch(address, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined);
    return { ok: response.status === 200, status: response.status };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** The handshake Microsoft performs before accepting a webhook: anything but HTTP 200 rejects it. */
export async function validateWebhook(address: string, authId: string | null): Promise<WebhookResult> {
  const validationCode = randomBytes(16).toString('hex');
  return post(address, { ...(authId ? { 'Webhook-AuthID': authId } : {}), 'Webhook-ValidationCode': validationCode }, { validationCode });
}

export class WebhookNotifier {
  private readonly retryDelaysMs: number[];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly state: SimState,
    options: { retryDelaysMs?: number[] } = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? [1_000, 5_000, 30_000];
  }

  /**
   * Notifies subscribers of every blob that has become visible since the last call. Blobs
   * published while no webhook was set are marked as seen too: Microsoft only notifies about
   * content created after the webhook exists.
   */
  async publishDue(): Promise<number> {
    const now = this.state.now();
    const deliveries: Promise<void>[] = [];
    let notified = 0;
    for (const tenant of this.state.tenants.values()) {
      const due = tenant.blobs.filter((b) => !b.notified && b.contentCreated <= now);
      if (due.length === 0) continue;
      for (const blob of due) blob.notified = true;
      for (const subscription of tenant.subscriptions.values()) {
        const webhook = subscription.webhook;
        if (subscription.status !== 'enabled' || !webhook || webhook.status !== 'enabled') continue;
        if (webhook.expiration && Date.parse(webhook.expiration) <= now) {
          webhook.status = 'expired';
          continue;
        }
        const blobs = due.filter((b) => b.contentType === subscription.contentType);
        if (blobs.length === 0) continue;
        notified += blobs.length;
        deliveries.push(this.deliver(tenant, subscription, blobs, 0));
      }
    }
    await Promise.all(deliveries);
    return notified;
  }

  /** Waits until no delivery retry is pending (retries may schedule further retries). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async deliver(tenant: SimTenant, subscription: Subscription, blobs: ContentBlob[], attempt: number): Promise<void> {
    const webhook = subscription.webhook;
    if (!webhook || webhook.status !== 'enabled') return;
    const origin = this.state.publicOrigin;
    const body = blobs.map((b) => ({ tenantId: tenant.id, clientId: subscription.clientId ?? null, ...contentItem(origin, tenant, b) }));
    const result = await post(webhook.address, webhook.authId ? { 'Webhook-AuthID': webhook.authId } : {}, body);
    const sent = this.state.now();
    for (const blob of blobs) {
      subscription.notifications.push({
        contentId: blob.contentId,
        contentCreated: blob.contentCreated,
        notificationSent: sent,
        notificationStatus: result.ok ? 'Succeeded' : 'Failed',
      });
    }
    if (result.ok) {
      subscription.failedDeliveries = 0;
      return;
    }
    subscription.failedDeliveries += 1;
    if (subscription.failedDeliveries >= MAX_FAILED_DELIVERIES) {
      webhook.status = 'disabled';
      return;
    }
    const delay = this.retryDelaysMs[attempt];
    if (delay === undefined) return;
    const retry = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.deliver(tenant, subscription, blobs, attempt + 1).finally(resolve);
      }, delay);
      timer.unref();
    });
    this.pending.add(retry);
    void retry.finally(() => this.pending.delete(retry));
  }
}
