// The event stream, newest on top (the last 100 rows). It follows new rows until the user hovers it or
// scrolls down; then it holds still (new rows are counted, not inserted) until the "N new" button, or
// a scroll back to the top with the pointer gone, resumes it. With an agent filter (the Live tab's) it
// shows that agent's rows among the last 100, filtered at render (memoised on the store's feed array).
import { useCallback, useMemo, useRef, useState } from 'react';
import { filterFeed } from '../api/agentFilter';
import { useLive } from '../hooks/useLive';
import { FeedRow } from './FeedRow';

export function EventFeed({ provider = '' }: { provider?: string }) {
  const all = useLive((s) => s.feed);
  const feed = useMemo(() => filterFeed(all, provider), [all, provider]);
  const { held, newCount, shown, resume, listRef, scrollHandlers } = useHeldFeed(feed);

  return (
    <section className="card feed" aria-labelledby="feed-h" data-testid="feed">
      <div className="feed__head">
        <h2 id="feed-h">Event stream</h2>
        <span className="muted small" data-testid="feed-count">
          {held ? 'paused' : 'following'} · {provider ? `${feed.length} of the last ${all.length} rows` : `last ${feed.length} of 100`}
        </span>
        {held && newCount > 0 && (
          <button type="button" className="new-button" onClick={resume} data-testid="new-button">
            {newCount} new
          </button>
        )}
      </div>
      <div className="feed__scroll" ref={listRef} tabIndex={0} aria-label="Event stream, newest first" {...scrollHandlers}>
        {feed.length === 0 ? (
          <p className="muted feed__empty">
            {provider && all.length > 0
              ? 'None of the last rows came from this agent: its tool calls, results and usage events appear here the moment it writes them.'
              : 'Nothing yet: tool calls, results and usage events appear here the moment an agent writes them.'}
          </p>
        ) : (
          <ul className="feed__list" aria-live="off">
            {shown.map((item) => (
              <FeedRow key={item.key} item={item} />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}

// Following or held: while held, the rows newer than the newest shown are counted, not inserted.
function useHeldFeed<T extends { seq: number }>(feed: T[]) {
  const [heldAt, setHeldAt] = useState<number | null>(null);  // seq of the newest row shown while held
  const hovering = useRef(false);
  const scrolled = useRef(false);
  const listRef = useRef<HTMLDivElement>(null);

  const topSeq = feed.length ? feed[0].seq : 0;
  let newCount = 0;
  if (heldAt !== null) while (newCount < feed.length && feed[newCount].seq > heldAt) newCount++;
  const shown = heldAt !== null && newCount > 0 ? feed.slice(newCount) : feed;

  const hold = useCallback(() => setHeldAt((h) => (h === null ? topSeq : h)), [topSeq]);
  const resume = useCallback(() => {
    scrolled.current = false;
    setHeldAt(null);
    if (listRef.current) listRef.current.scrollTop = 0;
  }, []);
  const scrollHandlers = {
    onMouseEnter: () => {
      hovering.current = true;
      hold();
    },
    onMouseLeave: () => {
      hovering.current = false;
      if (!scrolled.current) resume();
    },
    onScroll: (e: React.UIEvent<HTMLDivElement>) => {
      const away = e.currentTarget.scrollTop > 8;
      scrolled.current = away;
      if (away) hold();
      else if (!hovering.current) resume();
    },
  };
  return { held: heldAt !== null, newCount, shown, resume, listRef, scrollHandlers };
}
