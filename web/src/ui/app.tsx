// What every page shares: the session, the API client, the router and the live feed.

import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { ApiClient } from '../api/client';
import { openEventStream, type LiveState } from '../api/events';
import type { AccountEvent } from '../api/types';
import { SessionStore, type StoredSession } from '../auth/session';
import { HistoryRouter } from '../router';

/** The live feed as the app sees it: its state, and subscribers for its events. */
export class LiveFeed {
  state: LiveState = 'connecting';
  private stop: (() => void) | null = null;
  private eventListeners = new Set<(event: AccountEvent) => void>();
  private stateListeners = new Set<() => void>();

  constructor(private readonly token: () => Promise<string | null>) {}

  start(): void {
    if (this.stop) return;
    this.stop = openEventStream({
      token: this.token,
      onEvent: (event) => this.eventListeners.forEach((listener) => listener(event)),
      onState: (state) => {
        this.state = state;
        this.stateListeners.forEach((listener) => listener());
      },
    });
  }

  close(): void {
    this.stop?.();
    this.stop = null;
  }

  onEvent(listener: (event: AccountEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onState(listener: () => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }
}

export interface AppServices {
  session: SessionStore;
  api: ApiClient;
  router: HistoryRouter;
  live: LiveFeed;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('useApp outside <AppContext.Provider>');
  return services;
}

export function useSession(): StoredSession | null {
  const { session } = useApp();
  return useSyncExternalStore((listener) => session.subscribe(listener), () => session.current);
}

export function useLiveState(): LiveState {
  const { live } = useApp();
  return useSyncExternalStore((listener) => live.onState(listener), () => live.state);
}

/** The polling interval while the live stream is down (the original plan's refresh). */
export const POLL_INTERVAL_MS = 30_000;

/**
 * Calls `refresh` when one of the user's accounts changes (live), or every 30 s while the
 * live stream is down. Events that come in a burst are folded into one refresh.
 */
export function useLiveRefresh(refresh: () => void, filter?: (event: AccountEvent) => boolean): void {
  const { live } = useApp();
  const state = useLiveState();
  const latest = useRef(refresh);
  latest.current = refresh;
  const filterRef = useRef(filter);
  filterRef.current = filter;
  useEffect(() => {
    let timer: number | undefined;
    const unsubscribe = live.onEvent((event) => {
      if (filterRef.current && !filterRef.current(event)) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => latest.current(), 150);
    });
    return () => {
      unsubscribe();
      window.clearTimeout(timer);
    };
  }, [live]);
  useEffect(() => {
    if (state === 'live') return undefined;
    const timer = window.setInterval(() => latest.current(), POLL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [state]);
}

/** A value that ticks every `ms` (for "last synced 2 min ago" and countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

/** Loads data with `load`, again whenever `deps` change; keeps the last good value while reloading. */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): {
  data: T | null; error: Error | null; loading: boolean; reload: () => void;
} {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure instanceof Error ? failure : new Error(String(failure)));
        setLoading(false);
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  return { data, error, loading, reload: () => setGeneration((value) => value + 1) };
}

/** Sets the document title ("Accounts · Klaro"). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Klaro`;
  }, [title]);
}
