// Live: the event stream, burn ticker, tool latency and sessions in flight, all from the one stream.
import { BurnTicker } from '../components/BurnTicker';
import { EventFeed } from '../components/EventFeed';
import { SessionsInFlight } from '../components/SessionsInFlight';
import { ToolLatencyPanel } from '../components/ToolLatencyPanel';

export function LiveTab() {
  return (
    <div className="live" data-testid="live">
      <div className="live__main">
        <EventFeed />
      </div>
      <div className="live__side">
        <BurnTicker />
        <SessionsInFlight />
        <ToolLatencyPanel />
      </div>
    </div>
  );
}
