// Shown on every tab whenever the watcher is not `running`: what is wrong and how to fix it.
import type { WatcherState } from '../api/types';
import { useLive } from '../hooks/useLive';
import { formatAgo } from '../format';

export function watcherAdvice(w: WatcherState): { title: string; fix: string; tone: 'info' | 'error' } {
  const starting = w.source === 'embedded' && /starting/i.test(w.reason);
  if (starting)
    return {
      title: 'The watcher is starting',
      fix: 'It is reading the transcripts already on disk; new lines will show as soon as it catches up.',
      tone: 'info',
    };
  if (w.source === 'embedded')
    return {
      title: 'The transcript watcher stopped',
      fix: 'New agent activity is not being read. Check the server log, make sure the transcript folders exist and are readable, then restart `agentpulse serve`.',
      tone: 'error',
    };
  if (w.state === 'unknown')
    return {
      title: 'No watcher is writing this store',
      fix: 'This server only reads the store (--no-watcher). Start a writer next to it: `agentpulse ingest --follow --store <the same file>`, or run `agentpulse serve` without --no-watcher.',
      tone: 'error',
    };
  return {
    title: 'The watcher is not running',
    fix: 'The process that writes this store (`agentpulse ingest --follow`) stopped or died. Start it again with the same --store; nothing is lost, it resumes from where it was.',
    tone: 'error',
  };
}

export function WatcherBanner() {
  const watcher = useLive((s) => s.watcher);
  if (!watcher || watcher.state === 'running') return null;
  const a = watcherAdvice(watcher);
  return (
    <div className={`banner banner--${a.tone}`} role="alert" data-testid="watcher-banner">
      <strong>
        {a.title} <span className="banner__state">(watcher: {watcher.state})</span>
      </strong>
      {watcher.reason && <p className="banner__reason">{watcher.reason}</p>}
      <p className="banner__fix">{a.fix}</p>
      {watcher.last_beat && <p className="muted small">Last heartbeat {formatAgo(watcher.last_beat, Date.now())}.</p>}
    </div>
  );
}
