// A small router on the History API: routes by name, typed parameters, no dependencies.

export type Route =
  | { name: 'login' }
  | { name: 'signup' }
  | { name: 'dashboard' }
  | { name: 'accounts' }
  | { name: 'addAccount' }
  | { name: 'analytics' }
  | { name: 'settings' }
  | { name: 'ops' }
  | { name: 'notFound'; path: string };

// klarod answers index.html for exactly these paths (WebAppFiles.appRoutes): keep the two lists alike.
const table: ReadonlyArray<[string, Route['name']]> = [
  ['/login', 'login'], ['/signup', 'signup'], ['/dashboard', 'dashboard'], ['/accounts', 'accounts'],
  ['/accounts/add', 'addAccount'], ['/analytics', 'analytics'], ['/settings', 'settings'], ['/ops', 'ops'],
];

/** The route of a path ("/" is the dashboard; a trailing slash is ignored). */
export function matchRoute(path: string): Route {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (clean === '/' || clean === '') return { name: 'dashboard' };
  for (const [pattern, name] of table) {
    if (pattern === clean) return { name } as Route;
  }
  return { name: 'notFound', path: clean };
}

/** Routes a visitor may see without signing in. */
export function isPublic(route: Route): boolean {
  return route.name === 'login' || route.name === 'signup' || route.name === 'ops';
}

/** Where to go after signing in: back to where the visitor was sent from, if that is inside the app. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login') || next.startsWith('/signup')) return '/dashboard';
  return next;
}

type Listener = () => void;

/** The browser's location as a store: read it, change it, listen to it. */
export class HistoryRouter {
  private listeners = new Set<Listener>();

  constructor(private readonly window: Pick<Window, 'location' | 'history' | 'addEventListener'>) {
    window.addEventListener('popstate', () => this.emit());
  }

  get path(): string {
    return this.window.location.pathname;
  }

  get search(): URLSearchParams {
    return new URLSearchParams(this.window.location.search);
  }

  navigate(to: string, options: { replace?: boolean } = {}): void {
    if (options.replace) this.window.history.replaceState(null, '', to);
    else this.window.history.pushState(null, '', to);
    this.emit();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
