// The signed-in frame: the brand, the navigation, the live indicator and sign-out.

import type { ReactNode } from 'react';
import { useApp, useLiveState, useSession } from './app';
import { Link } from './components';

const links: ReadonlyArray<[string, string]> = [
  ['/dashboard', 'Dashboard'], ['/accounts', 'Accounts'], ['/analytics', 'Analytics'], ['/settings', 'Settings'],
];

export function Layout(props: { current: string; children: ReactNode }): JSX.Element {
  const { session, router } = useApp();
  const user = useSession();
  const live = useLiveState();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <Link to="/dashboard" className="brand"><span className="brand-mark" aria-hidden="true">◆</span> Klaro</Link>
        <nav aria-label="Main">
          <ul className="nav">
            {links.map(([to, label]) => (
              <li key={to}><Link to={to} current={props.current === to} className="nav-link">{label}</Link></li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          <span className={`live live-${live}`} title={live === 'live' ? 'Updates arrive as syncs land' : 'Refreshing every 30 seconds'}>
            <span className="live-dot" aria-hidden="true" />
            {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting' : 'Refreshing every 30 s'}
          </span>
          <span className="user-email">{user?.user.email}</span>
          <button type="button" className="button button-ghost" onClick={() => { void session.signOut().then(() => router.navigate('/login')); }}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="content" tabIndex={-1}>{props.children}</main>
    </div>
  );
}

/** The frame of the pages outside the app (sign-in, sign-up). */
export function PublicLayout(props: { children: ReactNode }): JSX.Element {
  return (
    <div className="public">
      <main id="main" className="public-main">
        <p className="brand brand-large"><span className="brand-mark" aria-hidden="true">◆</span> Klaro</p>
        {props.children}
      </main>
    </div>
  );
}
