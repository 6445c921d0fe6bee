// Live / reconnecting / resynced: is what the Live tab shows current?
import type { ConnectionState } from '../api/liveStore';
import { useLive } from '../hooks/useLive';

const LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  resynced: 'Resynced',
};

const HINT: Record<ConnectionState, string> = {
  connecting: 'Opening the live stream',
  live: 'Receiving rows as they are written',
  reconnecting: 'The connection to the server dropped; retrying (rows written meanwhile will be replayed)',
  resynced: 'The server skipped rows for this page (it fell behind); totals were refetched',
};

export function ConnectionIndicator() {
  const state = useLive((s) => s.connection);
  return (
    <span className={`conn conn--${state}`} role="status" aria-live="polite" title={HINT[state]} data-testid="connection">
      <span className="conn__dot" aria-hidden="true" />
      {LABEL[state]}
    </span>
  );
}
