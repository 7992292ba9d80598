// The live feed: `GET /api/events` read with fetch (so the token travels in a header, not
// the URL), reconnecting with `Last-Event-ID`. While it is down the app polls instead.

import { SSEParser } from './sse';
import type { AccountEvent } from './types';

export type LiveState = 'connecting' | 'live' | 'polling';

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface EventStreamOptions {
  token: () => Promise<string | null>;
  onEvent: (event: AccountEvent) => void;
  onState: (state: LiveState) => void;
  fetcher?: Fetch;
  /** Delay before reconnecting after the n-th failure in a row, in ms. */
  backoff?: (failures: number) => number;
}

export function defaultBackoff(failures: number): number {
  return Math.min(60_000, 2_000 * 2 ** Math.max(0, failures - 1));
}

/** Parses an `account` event's data; null when it is not one. */
export function parseAccountEvent(data: string): AccountEvent | null {
  try {
    const value = JSON.parse(data) as Partial<AccountEvent>;
    if (typeof value.account_id !== 'string' || typeof value.kind !== 'string' || typeof value.at !== 'number') return null;
    return value as AccountEvent;
  } catch {
    return null;
  }
}

/** Opens the stream and keeps it open until the returned function is called. */
export function openEventStream(options: EventStreamOptions): () => void {
  const fetcher = options.fetcher ?? ((input: string, init?: RequestInit) => fetch(input, init));
  const backoff = options.backoff ?? defaultBackoff;
  const controller = new AbortController();
  let lastEventID: string | null = null;
  let closed = false;

  const run = async (): Promise<void> => {
    let failures = 0;
    while (!closed) {
      options.onState(failures === 0 ? 'connecting' : 'polling');
      try {
        const token = await options.token();
        if (!token) break;
        const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
        if (lastEventID) headers['Last-Event-ID'] = lastEventID;
        const response = await fetcher('/api/events', { headers, signal: controller.signal, cache: 'no-store' });
        if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
        const parser = new SSEParser();
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        options.onState('live');
        failures = 0;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const message of parser.feed(decoder.decode(value, { stream: true }))) {
            if (message.id) lastEventID = message.id;
            if (message.event !== 'account') continue;
            const event = parseAccountEvent(message.data);
            if (event) options.onEvent(event);
          }
        }
      } catch {
        if (closed) break;
      }
      failures += 1;
      options.onState('polling');
      await new Promise((resolve) => setTimeout(resolve, backoff(failures)));
    }
  };
  void run();
  return () => {
    closed = true;
    controller.abort();
  };
}
