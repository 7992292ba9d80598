import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionStore } from '../../src/auth/session';

class MemoryStorage {
  values = new Map<string, string>();
  getItem(key: string): string | null { return this.values.get(key) ?? null; }
  setItem(key: string, value: string): void { this.values.set(key, value); }
  removeItem(key: string): void { this.values.delete(key); }
}

const session = (token: string, refresh: string, expiresAt: number) => ({
  access_token: token, token_type: 'bearer', expires_in: 3600, expires_at: expiresAt, refresh_token: refresh, user: { id: 'u1', email: 'a@b.c' },
});

test('sign-in stores the session so that it survives a reload', async () => {
  const storage = new MemoryStorage();
  const calls: string[] = [];
  const store = new SessionStore(storage, async (url, init) => {
    calls.push(`${init?.method} ${url} ${init?.body}`);
    return new Response(JSON.stringify(session('a1', 'r1', 2000)), { status: 200 });
  }, () => 1000);
  await store.signIn('a@b.c', 'secret-1');
  assert.equal(calls[0], 'POST /auth/v1/token?grant_type=password {"email":"a@b.c","password":"secret-1"}');
  const reloaded = new SessionStore(storage, async () => { throw new Error('no network needed'); }, () => 1000);
  assert.equal(await reloaded.accessToken(), 'a1');
});

test('an expiring token is refreshed once, even when asked for twice at the same time', async () => {
  const storage = new MemoryStorage();
  let refreshes = 0;
  const store = new SessionStore(storage, async (url, init) => {
    if (url.includes('grant_type=refresh_token')) {
      refreshes += 1;
      assert.equal(init?.body, '{"refresh_token":"r1"}');
      return new Response(JSON.stringify(session('a2', 'r2', 9000)), { status: 200 });
    }
    return new Response(JSON.stringify(session('a1', 'r1', 1030)), { status: 200 });
  }, () => 1000);
  await store.signIn('a@b.c', 'x');
  const [first, second] = await Promise.all([store.accessToken(), store.accessToken()]);
  assert.equal(first, 'a2');
  assert.equal(second, 'a2');
  assert.equal(refreshes, 1);
});

test('a refused refresh signs out; sign-up without a session logs in', async () => {
  const storage = new MemoryStorage();
  const store = new SessionStore(storage, async (url) => {
    if (url.includes('refresh_token')) return new Response(JSON.stringify({ error: 'invalid_grant' }), { status: 400 });
    if (url.includes('signup')) return new Response(JSON.stringify({ id: 'u1', email: 'a@b.c' }), { status: 200 });
    return new Response(JSON.stringify(session('a1', 'r1', 1010)), { status: 200 });
  }, () => 1000);
  await store.signUp('a@b.c', 'password-1');
  assert.equal(store.current?.access_token, 'a1');
  assert.equal(await store.accessToken(), null);
  assert.equal(store.current, null);
  assert.equal(storage.getItem('klaro.session'), null);
});

test('tabs take turns refreshing: the second finds the first one\'s new session and does not reuse the token', async () => {
  const storage = new MemoryStorage();
  let refreshes = 0;
  let tail: Promise<unknown> = Promise.resolve();
  const lock = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work);
    tail = run.catch(() => undefined);
    return run;
  };
  const fetcher = async (url: string) => {
    if (url.includes('refresh_token')) {
      refreshes += 1;
      return new Response(JSON.stringify(session('a2', 'r2', 9000)), { status: 200 });
    }
    return new Response(JSON.stringify(session('a1', 'r1', 1030)), { status: 200 });
  };
  const first = new SessionStore(storage, fetcher, () => 1000, lock);
  await first.signIn('a@b.c', 'x');
  const second = new SessionStore(storage, fetcher, () => 1000, lock);
  const [one, two] = await Promise.all([first.accessToken(), second.accessToken()]);
  assert.equal(one, 'a2');
  assert.equal(two, 'a2');
  assert.equal(refreshes, 1);
});
