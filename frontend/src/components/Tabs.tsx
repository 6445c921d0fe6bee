// The tab bar: Overview, Live, Sessions. Links (bookmarkable, middle-click works) with the ARIA tabs
// pattern: one tab in the Tab order, arrow keys / Home / End move between tabs and open them.
import { useRef } from 'react';
import { linkClick, navigate } from '../hooks/useRoute';
import { TABS, type TabId } from '../routes';

export function Tabs({ current }: { current: TabId }) {
  const refs = useRef<(HTMLAnchorElement | null)[]>([]);
  const onKeyDown = (e: React.KeyboardEvent, i: number) => {
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = TABS.length - 1;
    if (j < 0) return;
    e.preventDefault();
    refs.current[j]?.focus();
    navigate(TABS[j].path);
  };
  return (
    <div role="tablist" aria-label="Views" className="tabs">
      {TABS.map((t, i) => {
        const selected = t.id === current;
        return (
          <a
            key={t.id}
            ref={(el) => {
              refs.current[i] = el;
            }}
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={selected}
            aria-controls="panel"
            tabIndex={selected ? 0 : -1}
            href={t.path}
            className={selected ? 'tab tab--active' : 'tab'}
            onClick={linkClick(t.path)}
            onKeyDown={(e) => onKeyDown(e, i)}
          >
            {t.label}
          </a>
        );
      })}
    </div>
  );
}
