// The one typed client of klarod's API. Components never call fetch themselves.

import { ApiError, networkError, toApiError } from './problems';
import type {
  Account, AccountChanges, AdminStatus, AnalyticsReport, Capacity, DashboardSummary, Fleet, Host, NewAccount, Rebalance, Scoped, SyncRequest, TradePage,
} from './types';

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** Builds `path?query` leaving out empty values. */
export function withQuery(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Sends JSON and reads JSON; any failure is an ApiError. */
export async function requestJSON<T>(fetcher: Fetch, path: string, options: RequestOptions, authorization: string | null): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (authorization) headers.Authorization = authorization;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetcher(withQuery(path, options.query), {
      method: options.method ?? 'GET', headers, signal: options.signal,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw networkError();
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    throw toApiError(response.status, json, { retryAfter: response.headers.get('Retry-After'), requestID: response.headers.get('X-Request-Id') });
  }
  return json as T;
}

/** The traders' API (`/api`), with the signed-in user's token. */
export class ApiClient {
  constructor(
    private readonly token: () => Promise<string | null>,
    private readonly onUnauthorized: () => void,
    private readonly fetcher: Fetch = (input, init) => fetch(input, init),
  ) {}

  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const token = await this.token();
    try {
      return await requestJSON<T>(this.fetcher, path, options, token ? `Bearer ${token}` : null);
    } catch (error) {
      if (error instanceof ApiError && error.isUnauthorized) this.onUnauthorized();
      throw error;
    }
  }

  listAccounts(signal?: AbortSignal): Promise<Account[]> {
    return this.request<{ accounts: Account[] }>('/api/accounts', { signal }).then((answer) => answer.accounts);
  }

  createAccount(account: NewAccount): Promise<Account> {
    return this.request<Account>('/api/accounts', { method: 'POST', body: account });
  }

  updateAccount(id: string, changes: AccountChanges): Promise<Account> {
    return this.request<Account>(`/api/accounts/${encodeURIComponent(id)}`, { method: 'PATCH', body: changes });
  }

  deleteAccount(id: string): Promise<void> {
    return this.request<void>(`/api/accounts/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  syncAccount(id: string): Promise<SyncRequest> {
    return this.request<SyncRequest>(`/api/accounts/${encodeURIComponent(id)}/sync`, { method: 'POST' });
  }

  dashboard(range: string, signal?: AbortSignal): Promise<DashboardSummary> {
    return this.request<DashboardSummary>('/api/dashboard/summary', { query: { range }, signal });
  }

  trades(query: Record<string, string | undefined>, signal?: AbortSignal): Promise<TradePage> {
    return this.request<TradePage>('/api/trades', { query, signal });
  }

  analyticsReport(query: Record<string, string | undefined>, signal?: AbortSignal): Promise<Scoped<AnalyticsReport>> {
    return this.request<Scoped<AnalyticsReport>>('/api/analytics/report', { query, signal });
  }
}

/** The operators' API (`/admin`), with the admin token. */
export class AdminClient {
  constructor(private readonly adminToken: string, private readonly fetcher: Fetch = (input, init) => fetch(input, init)) {}

  private request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return requestJSON<T>(this.fetcher, path, options, `Bearer ${this.adminToken}`);
  }

  status(): Promise<AdminStatus> {
    return this.request<AdminStatus>('/admin/status');
  }

  fleet(): Promise<Fleet> {
    return this.request<Fleet>('/admin/fleet');
  }

  capacity(): Promise<Capacity> {
    return this.request<Capacity>('/admin/capacity');
  }

  hostAction(host: string, action: 'drain' | 'undrain' | 'cordon' | 'uncordon'): Promise<Host> {
    return this.request<Host>(`/admin/hosts/${encodeURIComponent(host)}/${action}`, { method: 'POST', body: {} });
  }

  rebalance(dryRun: boolean): Promise<Rebalance> {
    return this.request<Rebalance>('/admin/rebalance', { method: 'POST', body: { dry_run: dryRun, mode: 'rebalance' } });
  }
}
