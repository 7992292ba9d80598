import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiClient, withQuery } from '../../src/api/client';
import { ApiError, sentence, toApiError } from '../../src/api/problems';

const problem = (status: number, code: string, message: string, errors?: { field: string; message: string }[]) => ({
  type: `https://klaro.dev/problems/${code}`, title: 'x', status, detail: message, code, message, errors, request_id: 'abcdef123456',
});

test('a 422 keeps each field error for its field, in sentences', () => {
  const error = toApiError(422, problem(422, 'validation_failed', 'invalid fields', [
    { field: 'mt5_login', message: 'must be a positive integer' }, { field: 'mt5_server', message: 'is required' },
  ]));
  assert.equal(error.status, 422);
  assert.deepEqual({ ...error.fields }, { mt5_login: 'Must be a positive integer.', mt5_server: 'Is required.' });
});

test('a 402 plan limit says how to upgrade', () => {
  const error = toApiError(402, problem(402, 'plan_limit', 'the free plan allows 1 account', [{ field: 'accounts', message: 'limit 1' }]));
  assert.equal(error.code, 'plan_limit');
  assert.match(error.message, /Upgrade to Pro/);
});

test('a 429 carries its wait; a 5xx never shows a raw body', () => {
  const limited = toApiError(429, problem(429, 'sync_rate_limited', 'wait'), { retryAfter: '42' });
  assert.equal(limited.retryAfter, 42);
  assert.match(limited.message, /42 s/);
  const broken = toApiError(500, '<html>stack trace</html>', { requestID: 'req-1234567890' });
  assert.equal(broken.code, 'server_error');
  assert.match(broken.message, /reference req-1234/);
  assert.ok(!broken.message.includes('stack'));
});

test("Supabase Auth's error shapes map to words", () => {
  assert.equal(toApiError(400, { error: 'invalid_grant', error_description: 'Invalid login credentials' }).message, 'The email or password is not right.');
  assert.equal(toApiError(422, { code: 422, error_code: 'user_already_exists', msg: 'User already registered' }).code, 'user_already_exists');
  assert.equal(toApiError(401, null).message, 'Your session has ended. Please sign in again.');
});

test('sentences', () => {
  assert.equal(sentence('must be set'), 'Must be set.');
  assert.equal(sentence('Done!'), 'Done!');
});

test('the client sends the token, maps errors, and reports 401s', async () => {
  const seen: { url: string; init?: RequestInit }[] = [];
  let unauthorized = 0;
  const answers: Response[] = [
    new Response(JSON.stringify({ accounts: [] }), { status: 200 }),
    new Response(JSON.stringify(problem(401, 'unauthorized', 'expired')), { status: 401 }),
    new Response(null, { status: 204 }),
  ];
  const client = new ApiClient(async () => 'token-1', () => { unauthorized += 1; }, async (url, init) => {
    seen.push({ url, init });
    return answers.shift() as Response;
  });
  assert.deepEqual(await client.listAccounts(), []);
  assert.equal((seen[0].init?.headers as Record<string, string>).Authorization, 'Bearer token-1');
  await assert.rejects(client.listAccounts(), (error: unknown) => error instanceof ApiError && error.status === 401);
  assert.equal(unauthorized, 1);
  assert.equal(await client.deleteAccount('a/b'), undefined);
  assert.equal(seen[2].url, '/api/accounts/a%2Fb');
  assert.equal(seen[2].init?.method, 'DELETE');
});

test('a request that gets no answer is a network error in words', async () => {
  const client = new ApiClient(async () => null, () => undefined, async () => { throw new TypeError('Failed to fetch'); });
  await assert.rejects(client.listAccounts(), (error: unknown) => error instanceof ApiError && error.code === 'network' && /cannot be reached/.test(error.message));
});

test('query strings leave out empty values', () => {
  assert.equal(withQuery('/api/x', { a: '1', b: undefined, c: '' }), '/api/x?a=1');
  assert.equal(withQuery('/api/x'), '/api/x');
});
