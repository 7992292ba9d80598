import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultBackoff, openEventStream, parseAccountEvent } from '../../src/api/events';
import { SSEParser } from '../../src/api/sse';
import type { AccountEvent } from '../../src/api/types';

test('messages split across chunks, comments and retry', () => {
  const parser = new SSEParser();
  assert.deepEqual(parser.feed('retry: 3000\n: connected\n\nid: 17\nevent: acc'), []);
  assert.equal(parser.retry, 3000);
  const messages = parser.feed('ount\ndata: {"a":1}\n\n: heartbeat\n\n');
  assert.deepEqual(messages, [{ id: '17', event: 'account', data: '{"a":1}' }]);
  assert.equal(parser.lastEventID, '17');
});

test('CRLF line ends, multi-line data and the default event name', () => {
  const parser = new SSEParser();
  const messages = parser.feed('data: one\r\ndata: two\r');
  assert.deepEqual(messages, []);
  assert.deepEqual(parser.feed('\n\r\n'), [{ id: null, event: 'message', data: 'one\ntwo' }]);
});

test('account events are parsed, anything else dropped', () => {
  const event = parseAccountEvent('{"account_id":"a","kind":"sync_finished","outcome":"ok","status":"active","at":5}');
  assert.equal(event?.kind, 'sync_finished');
  assert.equal(parseAccountEvent('{"kind":"x"}'), null);
  assert.equal(parseAccountEvent('not json'), null);
});

test('backoff doubles up to a minute', () => {
  assert.deepEqual([1, 2, 3, 10].map(defaultBackoff), [2000, 4000, 8000, 60000]);
});

test('the stream resumes with Last-Event-ID after it breaks, and says when it polls', async () => {
  const encoder = new TextEncoder();
  const requests: Record<string, string>[] = [];
  const states: string[] = [];
  const events: AccountEvent[] = [];
  let stop: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    const fetcher = async (_url: string, init?: RequestInit): Promise<Response> => {
      requests.push({ ...(init?.headers as Record<string, string>) });
      if (requests.length === 1) {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode('retry: 3000\n\nid: 100\nevent: account\ndata: {"account_id":"a","kind":"sync_finished","outcome":"ok","status":"active","at":100}\n\n'));
            controller.close();
          },
        });
        return new Response(body, { status: 200 });
      }
      resolve();
      return new Response(null, { status: 503 });
    };
    stop = openEventStream({ token: async () => 't', onEvent: (event) => events.push(event), onState: (state) => states.push(state), fetcher, backoff: () => 1 });
  });
  await done;
  stop();
  assert.equal(events.length, 1);
  assert.equal(requests[0].Authorization, 'Bearer t');
  assert.equal(requests[0]['Last-Event-ID'], undefined);
  assert.equal(requests[1]['Last-Event-ID'], '100');
  assert.deepEqual(states.slice(0, 3), ['connecting', 'live', 'polling']);
});
