/** How a verb hands an approved action to the workers (pg-boss in Node; absent on Workers, where the sweep job picks it up). */
export interface RemediationQueue {
  send(requestId: string): Promise<void>;
}
