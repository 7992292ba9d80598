// The signed-in session: kept in localStorage so it survives reloads, refreshed before the
// access token expires (one refresh at a time; refresh tokens are single-use).

import { ApiError, networkError, toApiError } from '../api/problems';
import type { AuthSession, AuthUser } from '../api/types';

export interface StoredSession {
  access_token: string;
  refresh_token: string;
  /** Unix seconds. */
  expires_at: number;
  user: AuthUser;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;
type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
/** Runs `work` while holding a lock shared by every tab of the app (the Web Locks API). */
export type TabLock = <T>(work: () => Promise<T>) => Promise<T>;

/** The browser's cross-tab lock when it has one; otherwise only this tab is serialised. */
export function browserTabLock(): TabLock {
  const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  if (!locks) return (work) => work();
  return (work) => locks.request('klaro.session.refresh', () => work());
}

const storageKey = 'klaro.session';
/** Refresh this many seconds before expiry. */
const refreshMargin = 60;

export class SessionStore {
  private session: StoredSession | null;
  private refreshing: Promise<StoredSession | null> | null = null;
  private listeners = new Set<() => void>();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly fetcher: Fetch,
    private readonly now: () => number = () => Date.now() / 1000,
    private readonly lock: TabLock = (work) => work(),
  ) {
    this.session = SessionStore.read(storage);
  }

  /** Takes the session another tab stored (a refresh, a sign-in or a sign-out there). */
  adoptStored(): void {
    const stored = SessionStore.read(this.storage);
    if (stored?.access_token === this.session?.access_token) return;
    this.session = stored;
    this.emit();
  }

  get current(): StoredSession | null {
    return this.session;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A valid access token, refreshed first when it is about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    const session = this.session;
    if (!session) return null;
    if (session.expires_at - refreshMargin > this.now()) return session.access_token;
    const refreshed = await this.refresh();
    return refreshed?.access_token ?? null;
  }

  /** Exchanges the refresh token for a new session; signs out when the server refuses it. */
  refresh(): Promise<StoredSession | null> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  // Refresh tokens are single-use and a reused one revokes the session, so tabs take turns:
  // under the lock, a tab first looks whether another tab has refreshed already.
  private doRefresh(): Promise<StoredSession | null> {
    return this.lock(async () => {
      const stored = SessionStore.read(this.storage);
      if (stored && stored.refresh_token !== this.session?.refresh_token && stored.expires_at - refreshMargin > this.now()) {
        this.session = stored;
        this.emit();
        return stored;
      }
      const session = stored ?? this.session;
      if (!session) {
        if (this.session) this.clear();
        return null;
      }
      try {
        const answer = await this.auth<AuthSession>('/auth/v1/token?grant_type=refresh_token', { refresh_token: session.refresh_token });
        return this.store(answer);
      } catch (error) {
        if (error instanceof ApiError && error.status > 0) this.clear();
        return null;
      }
    });
  }

  async signIn(email: string, password: string): Promise<StoredSession> {
    const answer = await this.auth<AuthSession>('/auth/v1/token?grant_type=password', { email, password });
    return this.store(answer);
  }

  /** Creates the user and signs in (with the session the sign-up returns, or by logging in). */
  async signUp(email: string, password: string): Promise<StoredSession> {
    const answer = await this.auth<Partial<AuthSession>>('/auth/v1/signup', { email, password });
    if (answer.access_token && answer.refresh_token) return this.store(answer as AuthSession);
    return this.signIn(email, password);
  }

  async signOut(): Promise<void> {
    const token = this.session?.access_token;
    this.clear();
    if (token) {
      try {
        await this.fetcher('/auth/v1/logout', { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
      } catch {
        // Signed out locally either way.
      }
    }
  }

  async changePassword(password: string): Promise<void> {
    const token = await this.accessToken();
    if (!token) throw new ApiError(401, 'unauthorized', 'Your session has ended. Please sign in again.');
    await this.auth<AuthUser>('/auth/v1/user', { password }, 'PUT', token);
  }

  /** Forgets the session (the server said it is no longer valid). */
  clear(): void {
    this.session = null;
    this.storage.removeItem(storageKey);
    this.emit();
  }

  private store(answer: AuthSession): StoredSession {
    const session: StoredSession = {
      access_token: answer.access_token,
      refresh_token: answer.refresh_token,
      expires_at: answer.expires_at ?? Math.floor(this.now()) + (answer.expires_in ?? 3600),
      user: answer.user,
    };
    this.session = session;
    this.storage.setItem(storageKey, JSON.stringify(session));
    this.emit();
    return session;
  }

  private async auth<T>(path: string, body: unknown, method = 'POST', token?: string): Promise<T> {
    let response: Response;
    try {
      response = await this.fetcher(path, {
        method,
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    } catch {
      throw networkError();
    }
    const text = await response.text();
    let json: unknown = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    if (!response.ok) {
      throw toApiError(response.status, json, { retryAfter: response.headers.get('Retry-After'), requestID: response.headers.get('X-Request-Id') });
    }
    return json as T;
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  private static read(storage: KeyValueStorage): StoredSession | null {
    try {
      const raw = storage.getItem(storageKey);
      if (!raw) return null;
      const parsed = JSON.parse(raw) as Partial<StoredSession>;
      if (typeof parsed.access_token !== 'string' || typeof parsed.refresh_token !== 'string' || typeof parsed.expires_at !== 'number' || !parsed.user) return null;
      return parsed as StoredSession;
    } catch {
      return null;
    }
  }
}
