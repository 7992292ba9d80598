import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HistoryRouter, isPublic, matchRoute, safeNext } from '../../src/router';

test('paths map to pages', () => {
  assert.deepEqual(matchRoute('/'), { name: 'dashboard' });
  assert.deepEqual(matchRoute('/dashboard/'), { name: 'dashboard' });
  assert.deepEqual(matchRoute('/accounts'), { name: 'accounts' });
  assert.deepEqual(matchRoute('/accounts/add'), { name: 'addAccount' });
  assert.deepEqual(matchRoute('/analytics'), { name: 'analytics' });
  assert.deepEqual(matchRoute('/settings'), { name: 'settings' });
  assert.deepEqual(matchRoute('/signup'), { name: 'signup' });
  assert.deepEqual(matchRoute('/nowhere'), { name: 'notFound', path: '/nowhere' });
});

test('only sign-in, sign-up and the operators page are public', () => {
  assert.ok(isPublic(matchRoute('/login')));
  assert.ok(isPublic(matchRoute('/ops')));
  assert.ok(!isPublic(matchRoute('/dashboard')));
  assert.ok(!isPublic(matchRoute('/nowhere')));
});

test('after sign-in only paths inside the app are followed', () => {
  assert.equal(safeNext('/analytics'), '/analytics');
  assert.equal(safeNext('//evil.example'), '/dashboard');
  assert.equal(safeNext('https://evil.example'), '/dashboard');
  assert.equal(safeNext('/login'), '/dashboard');
  assert.equal(safeNext(null), '/dashboard');
});

test('the history router pushes, replaces and tells its listeners', () => {
  const entries: string[] = ['/login'];
  let popstate: (() => void) | null = null;
  const fake = {
    location: { get pathname() { return entries[entries.length - 1].split('?')[0]; }, get search() { return '?' + (entries[entries.length - 1].split('?')[1] ?? ''); } },
    history: {
      pushState: (_: unknown, __: string, url: string) => { entries.push(url); },
      replaceState: (_: unknown, __: string, url: string) => { entries[entries.length - 1] = url; },
    },
    addEventListener: (_: string, listener: () => void) => { popstate = listener; },
  } as unknown as Window;
  const router = new HistoryRouter(fake);
  let calls = 0;
  const unsubscribe = router.subscribe(() => { calls += 1; });
  router.navigate('/dashboard?range=1W');
  assert.equal(router.path, '/dashboard');
  assert.equal(router.search.get('range'), '1W');
  router.navigate('/accounts', { replace: true });
  assert.deepEqual(entries, ['/login', '/accounts']);
  entries.pop();
  (popstate as unknown as () => void)();
  assert.equal(router.path, '/login');
  assert.equal(calls, 3);
  unsubscribe();
  router.navigate('/settings');
  assert.equal(calls, 3);
});
