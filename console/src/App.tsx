/**
 * The console shell: the session (checked on load, ended by sign-out or any 401), the left nav
 * (hash routes, so links and the back button work) and the visible view, which alone polls.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ConsoleApi, type Session } from './api.ts';
import { Ctx } from './context.ts';
import { MetricsBuffer } from './metrics.ts';
import { SignIn } from './SignIn.tsx';
import { EndpointServicesView } from './views/EndpointServices.tsx';
import { EndpointsView } from './views/Endpoints.tsx';
import { FlowLogView } from './views/FlowLog.tsx';
import { LoadBalancersView } from './views/LoadBalancers.tsx';
import { TopologyView } from './views/Topology.tsx';
import { TrafficView } from './views/Traffic.tsx';
import { VpcsView } from './views/Vpcs.tsx';

const VIEWS = [
  { id: 'vpcs', title: 'VPCs and subnets' },
  { id: 'load-balancers', title: 'Load balancers' },
  { id: 'services', title: 'Endpoint services' },
  { id: 'endpoints', title: 'Endpoints' },
  { id: 'topology', title: 'Topology' },
  { id: 'traffic', title: 'Traffic' },
  { id: 'flows', title: 'Flow log' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

function viewFromHash(): ViewId {
  const id = location.hash.replace(/^#\/?/, '');
  return (VIEWS.find((v) => v.id === id)?.id) ?? 'services';
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<string>();
  const [view, setView] = useState<ViewId>(viewFromHash);
  const metrics = useRef(new MetricsBuffer(5 * 60_000));
  const onUnauthorized = useCallback((message: string) => { setNotice(message); setSession(null); }, []);
  const api = useMemo(() => new ConsoleApi(onUnauthorized), [onUnauthorized]);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    api.session().then(setSession, () => setSession(null));
  }, [api]);
  useEffect(() => {
    const onHash = () => { setView(viewFromHash()); main.current?.focus(); };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  // A session may run out while nothing polls (a hidden tab): at its expiry time, ask the server,
  // which extends a used session; a session it no longer knows goes back to sign-in.
  useEffect(() => {
    if (!session) return;
    const ms = Date.parse(session.expiresAt) - Date.now();
    if (!Number.isFinite(ms)) return;
    const timer = setTimeout(() => {
      api.session().then(
        (s) => (s ? setSession((old) => (old && old.expiresAt === s.expiresAt ? old : s)) : onUnauthorized('session expired: sign in again')),
        () => {},
      );
    }, Math.max(1000, Math.min(ms + 500, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [api, session, onUnauthorized]);
  useEffect(() => {
    document.title = session ? `${VIEWS.find((v) => v.id === view)?.title} · Underpass` : 'Underpass console';
  }, [session, view]);

  if (session === undefined) return <p className="loading" role="status">Loading…</p>;
  if (session === null) {
    return <SignIn api={api} notice={notice} onSignedIn={(s) => { metrics.current = new MetricsBuffer(5 * 60_000); setNotice(undefined); setSession(s); }} />;
  }
  const signOut = async () => {
    await api.signOut().catch(() => {});
    setNotice('Signed out.');
    setSession(null);
  };
  return (
    <Ctx.Provider value={{ api, session }}>
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>Skip to content</a>
      <header className="top">
        <span className="brand">Underpass</span>
        <span className="account">Account <b data-testid="account-id">{session.accountId}</b> <span className="muted">({session.accessKeyId})</span></span>
        <button type="button" className="secondary" onClick={signOut}>Sign out</button>
      </header>
      <div className="layout">
        <nav aria-label="Views">
          <ul>
            {VIEWS.map((v) => (
              <li key={v.id}>
                <a href={`#/${v.id}`} aria-current={v.id === view ? 'page' : undefined} data-testid={`nav-${v.id}`}>{v.title}</a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={main} tabIndex={-1}>
          {view === 'vpcs' && <VpcsView />}
          {view === 'load-balancers' && <LoadBalancersView />}
          {view === 'services' && <EndpointServicesView />}
          {view === 'endpoints' && <EndpointsView />}
          {view === 'topology' && <TopologyView />}
          {view === 'traffic' && <TrafficView buffer={metrics.current} />}
          {view === 'flows' && <FlowLogView />}
        </main>
      </div>
    </Ctx.Provider>
  );
}
