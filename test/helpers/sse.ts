export type Message = { event: string; id: string | undefined; data: string };

/** Reads server-sent events from a streamed response body. */
export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  /** A read still waiting when the last call timed out: its chunk belongs to the next call. */
  #pending: ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']> | undefined;
  readonly comments: string[] = [];
  done = false;

  constructor(response: Response) {
    this.#reader = response.body!.getReader();
  }

  /** The next message, or null when none comes within `ms` (or the stream ends). */
  async next(ms: number): Promise<Message | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const lines = block.split('\n');
        const comment = lines.filter((l) => l.startsWith(':'));
        this.comments.push(...comment);
        if (comment.length === lines.length) continue;
        const field = (name: string) => lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
        return { event: field('event')[0] ?? 'message', id: field('id')[0], data: field('data').join('\n') };
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.done) return null;
      this.#pending ??= this.#reader.read();
      const chunk = await Promise.race([this.#pending, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), left))]);
      if (chunk === 'timeout') return null;
      this.#pending = undefined;
      if (chunk.done) {
        this.done = true;
        return null;
      }
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
    }
  }

  /** Messages of type `event` for `ids` until each has come, or the time is up. */
  async eventsFor(ids: string[], ms: number): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !ids.every((id) => found.some((f) => f.id === id))) {
      const message = await this.next(deadline - Date.now());
      if (message?.event === 'event') found.push(JSON.parse(message.data) as Record<string, unknown>);
    }
    return found;
  }

  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }
}
