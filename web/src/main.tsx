import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { request, session, signOut, type Credentials } from './api';
import { DataVersion, useInterval } from './hooks';
import { ImportsPage } from './pages/imports';
import { MarketingPage } from './pages/marketing';
import { MessagingPage } from './pages/messaging';
import { ReportsPage } from './pages/reports';
import { SalesPage } from './pages/sales';
import { SignInPage } from './pages/sign-in';
import { StoresPage } from './pages/stores';
import { TransactionsPage } from './pages/transactions';

/** The pages, by the hash route that shows them (#/imports…). */
const PAGES = [
  { path: 'imports', title: 'Imports', page: ImportsPage },
  { path: 'transactions', title: 'Transactions', page: TransactionsPage },
  { path: 'sales', title: 'Sales', page: SalesPage },
  { path: 'marketing', title: 'Marketing', page: MarketingPage },
  { path: 'messaging', title: 'Messaging', page: MessagingPage },
  { path: 'stores', title: 'Store monitoring', page: StoresPage },
  { path: 'reports', title: 'Reports', page: ReportsPage },
] as const;

/** How often the organization's data version is asked for, so open pages follow new imports. */
const VERSION_POLL_MS = 15_000;

function route(): string {
  return location.hash.replace(/^#\/?/, '').split('?')[0] || PAGES[0].path;
}

function App() {
  const [creds, setCreds] = useState<Credentials | null>(session.get());
  const [path, setPath] = useState(route());
  const [version, setVersion] = useState(0);
  const [org, setOrg] = useState<{ name: string; dataVersion: number } | null>(null);
  useEffect(() => session.subscribe(setCreds), []);
  useEffect(() => {
    const onHash = () => setPath(route());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const poll = () => {
    if (session.get()) {
      request<{ name: string; dataVersion: number }>('/organizations/current').then(
        (o) => {
          setOrg(o);
          setVersion(Number(o.dataVersion));
        },
        () => undefined,
      );
    }
  };
  useEffect(poll, [creds]);
  useInterval(poll, VERSION_POLL_MS, creds !== null);
  const current = PAGES.find((p) => p.path === path) ?? PAGES[0];
  useEffect(() => {
    document.title = creds ? `${current.title} · Analytics platform` : 'Sign in · Analytics platform';
  }, [creds, current]);

  if (!creds) {
    return <SignInPage />;
  }
  const Page = current.page;
  return (
    <DataVersion.Provider value={{ version, bump: poll }}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Analytics platform</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li>
                <a href={`#/${p.path}`} aria-current={p === current ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {org?.name ?? ''} · {creds.kind === 'user' ? creds.email : 'API key'}
          <button type="button" class="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{current.title}</h1>
        <Page />
      </main>
    </DataVersion.Provider>
  );
}

const root = document.getElementById('app')!;
// The static "Loading…" line goes: Preact renders beside what is already there.
root.textContent = '';
render(<App />, root);
