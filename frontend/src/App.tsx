// The shell: header (tabs, connection, demo label, theme), the watcher banner, and the current tab.
// Owns the app's single live stream; every pane reads the slice it needs from it.
import { useEffect, useRef } from 'react';
import { ConnectionIndicator } from './components/ConnectionIndicator';
import { SearchBox } from './components/SearchBox';
import { Tabs } from './components/Tabs';
import { ThemeToggle } from './components/ThemeToggle';
import { AlertNotifier } from './components/AlertsPane';
import { WatcherBanner } from './components/WatcherBanner';
import { browserTimeZone } from './format';
import { AgentsContext, useAgentTable } from './hooks/useAgents';
import { MachineContext } from './hooks/useMachine';
import { useEventStream } from './hooks/useEventStream';
import { LiveContext, useLive } from './hooks/useLive';
import { useConfig } from './hooks/useReports';
import { useRoute } from './hooks/useRoute';
import { useTheme } from './hooks/useTheme';
import { LiveTab } from './tabs/LiveTab';
import { OverviewTab } from './tabs/OverviewTab';
import { SessionPage } from './tabs/SessionPage';
import { SessionsTab } from './tabs/SessionsTab';

const TZ = browserTimeZone();
const TITLES = { overview: 'Overview', live: 'Live', sessions: 'Sessions' } as const;

export function App() {
  const store = useEventStream({ tz: TZ });
  return (
    <LiveContext.Provider value={store}>
      <Shell />
    </LiveContext.Provider>
  );
}

function DemoLabel({ configDemo }: { configDemo: boolean }) {
  const live = useLive((s) => s.demo);
  if (!live && !configDemo) return null;
  return (
    <span className="demo-label" data-testid="demo-label" title="agentpulse --demo: simulated agents write these transcripts; nothing here is real">
      Demo data
    </span>
  );
}

function Shell() {
  const route = useRoute();
  const [theme, toggleTheme] = useTheme();
  const config = useConfig();
  const agents = useAgentTable(config.data);
  const panel = useRef<HTMLElement>(null);

  useEffect(() => {
    document.title = `${route.sessionRow ? `Session ${route.sessionRow}` : TITLES[route.tab]} · agentpulse`;
  }, [route.tab, route.sessionRow]);

  return (
    <AgentsContext.Provider value={agents}>
      <MachineContext.Provider value={config.data?.machine ?? ''}>
      <div className="app">
        <header className="header">
          <a className="brand" href="/" aria-label="agentpulse home">
            <svg width="20" height="20" viewBox="0 0 16 16" aria-hidden="true">
              <path d="M1 9h3l2-6 3 10 2-4h4" fill="none" stroke="currentColor" strokeWidth="2" />
            </svg>
            agentpulse
          </a>
          <Tabs current={route.tab} />
          <div className="header__right">
            <SearchBox tz={TZ} />
            <DemoLabel configDemo={Boolean(config.data?.demo)} />
            <ConnectionIndicator />
            <ThemeToggle theme={theme} onToggle={toggleTheme} />
          </div>
        </header>
        <WatcherBanner />
        <AlertNotifier />
        <main id="panel" role="tabpanel" aria-labelledby={`tab-${route.tab}`} ref={panel} className="main">
          {route.tab === 'overview' && <OverviewTab tz={TZ} config={config.data} search={route.search} />}
          {route.tab === 'live' && <LiveTab search={route.search} />}
          {route.tab === 'sessions' && (route.sessionRow ? <SessionPage row={route.sessionRow} message={Number(route.search.get('message')) || null} /> : <SessionsTab search={route.search} />)}
        </main>
        <footer className="footer muted small">
          Times in {TZ}. {config.data && <>agentpulse {config.data.version} · store {config.data.store}</>}
        </footer>
      </div>
      </MachineContext.Provider>
    </AgentsContext.Provider>
  );
}
