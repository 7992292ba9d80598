// The app's entry: services, the route switch, and the guard that sends signed-out visitors to /login.

import { StrictMode, useEffect, useMemo, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { AccountsPage } from './accounts/AccountsPage';
import { AddAccountPage } from './accounts/AddAccountPage';
import { AnalyticsPage } from './analytics/AnalyticsPage';
import { ApiClient } from './api/client';
import { AuthPage } from './auth/AuthPages';
import { browserTabLock, SessionStore } from './auth/session';
import { DashboardPage } from './dashboard/DashboardPage';
import { OpsPage } from './ops/OpsPage';
import { HistoryRouter, isPublic, matchRoute, type Route } from './router';
import { SettingsPage } from './settings/SettingsPage';
import { AppContext, LiveFeed, useApp, useSession, type AppServices } from './ui/app';
import { EmptyState, Link } from './ui/components';
import { Layout } from './ui/Layout';
import './ui/theme.css';

function createServices(): AppServices {
  const fetcher = (input: string, init?: RequestInit): Promise<Response> => fetch(input, init);
  const session = new SessionStore(window.localStorage, fetcher, undefined, browserTabLock());
  // Another tab refreshed, signed in or signed out: follow it.
  window.addEventListener('storage', (event) => { if (event.key === 'klaro.session') session.adoptStored(); });
  const router = new HistoryRouter(window);
  const api = new ApiClient(() => session.accessToken(), () => session.clear(), fetcher);
  const live = new LiveFeed(() => session.accessToken());
  return { session, router, api, live };
}

function App(): JSX.Element {
  const { router, live } = useApp();
  const path = useSyncExternalStore((listener) => router.subscribe(listener), () => router.path);
  const route = useMemo(() => matchRoute(path), [path]);
  const user = useSession();
  const signedIn = user !== null;

  useEffect(() => {
    if (!signedIn && !isPublic(route)) router.navigate(`/login?next=${encodeURIComponent(path)}`, { replace: true });
    if (signedIn && (route.name === 'login' || route.name === 'signup')) router.navigate('/dashboard', { replace: true });
  }, [signedIn, route, path, router]);

  useEffect(() => {
    if (signedIn) live.start();
    else live.close();
  }, [signedIn, live]);

  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [path]);

  if (route.name === 'ops') return <OpsPage />;
  if (route.name === 'login' || route.name === 'signup') return <AuthPage key={route.name} mode={route.name} />;
  if (!signedIn) return <></>;
  return <Layout current={currentNav(route)}>{page(route)}</Layout>;
}

function currentNav(route: Route): string {
  return route.name === 'addAccount' ? '/accounts' : `/${route.name}`;
}

function page(route: Route): JSX.Element {
  switch (route.name) {
    case 'dashboard': return <DashboardPage />;
    case 'accounts': return <AccountsPage />;
    case 'addAccount': return <AddAccountPage />;
    case 'analytics': return <AnalyticsPage />;
    case 'settings': return <SettingsPage />;
    default: return <EmptyState title="This page does not exist" action={<Link to="/dashboard" className="button button-primary">Go to the dashboard</Link>} />;
  }
}

const services = createServices();
const container = document.getElementById('root');
if (container) {
  createRoot(container).render(
    <StrictMode>
      <AppContext.Provider value={services}>
        <App />
      </AppContext.Provider>
    </StrictMode>,
  );
}
