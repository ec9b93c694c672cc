import { httpRequest } from './keep-alive-http';
import { StoreClient } from './store-client';

/** Longest part of an error body kept in an error message. */
const QUOTED_BODY_CHARS = 160;

/** FalconMind over its fleet API: a write is POST /missions, a read GET /missions/:id. */
export class FalconMindClient implements StoreClient {
  constructor(private readonly urls: readonly string[]) {}

  get memberCount(): number {
    return this.urls.length;
  }

  async write(member: number, _key: string, document: string, timeoutMs: number): Promise<void> {
    const reply = await httpRequest(`${this.urls[member]}/missions`, 'POST', document, timeoutMs);
    if (reply.status !== 201 && reply.status !== 200) {
      throw new Error(`POST /missions: ${reply.status} ${reply.body.slice(0, QUOTED_BODY_CHARS)}`);
    }
  }

  async read(member: number, key: string, linearizable: boolean, timeoutMs: number): Promise<void> {
    const consistency = linearizable ? 'linearizable' : 'stale';
    const url = `${this.urls[member]}/missions/${encodeURIComponent(key)}?consistency=${consistency}`;
    const reply = await httpRequest(url, 'GET', undefined, timeoutMs);
    if (reply.status !== 200) {
      throw new Error(
        `GET /missions/:id: ${reply.status} ${reply.body.slice(0, QUOTED_BODY_CHARS)}`,
      );
    }
  }

  close(): void {
    // Keep-alive sockets are unreferenced by the agent once idle; nothing to close.
  }
}
