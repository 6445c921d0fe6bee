// A windowed list for long conversations (100,000 items): only the rows in view (plus an overscan) are in
// the DOM. Rows have different heights: each rendered row is measured and its height kept; rows never
// seen count as `estimate`. Offsets are a prefix sum recomputed when a height changes (cheap next to
// rendering: one pass over numbers).
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';

export interface VirtualListProps<T> {
  items: T[];
  itemKey: (item: T) => string;
  render: (item: T, index: number) => ReactNode;
  estimate?: number;
  overscan?: number;
  /** The most the list takes (it scrolls beyond); shorter content takes its own height. */
  height?: string;
  /** Scrolls this index into view when it changes. */
  scrollTo?: number | null;
  /** Told the range of rendered rows (to load more near an end). */
  onRange?: (first: number, last: number) => void;
  className?: string;
}

export function VirtualList<T>({
  items,
  itemKey,
  render,
  estimate = 80,
  overscan = 600,
  height = '70vh',
  scrollTo = null,
  onRange,
  className,
}: VirtualListProps<T>) {
  const box = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const [version, setVersion] = useState(0);
  const [view, setView] = useState({ top: 0, height: 800 });

  const offsets = useMemo(() => {
    const o = new Float64Array(items.length + 1);
    for (let i = 0; i < items.length; i++) o[i + 1] = o[i] + (heights.current.get(itemKey(items[i])) ?? estimate);
    return o;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [items, version, estimate]);

  const total = offsets[items.length];
  const find = (y: number) => {
    let lo = 0,
      hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid + 1] <= y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const first = Math.max(0, find(view.top - overscan));
  const last = Math.min(items.length - 1, find(view.top + view.height + overscan));

  const onScroll = useCallback(() => {
    const el = box.current;
    if (el) setView({ top: el.scrollTop, height: el.clientHeight || 800 });
  }, []);
  useLayoutEffect(onScroll, [onScroll]);

  useEffect(() => {
    if (onRange && items.length > 0) onRange(first, last);
  }, [first, last, items.length, onRange]);

  useEffect(() => {
    if (scrollTo == null || !box.current || scrollTo >= items.length) return;
    box.current.scrollTop = offsets[scrollTo];
    onScroll();
    // Only when asked: not on every measurement.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scrollTo, items.length > scrollTo!]);

  const measure = useCallback((key: string, el: HTMLDivElement | null) => {
    if (!el) return;
    const h = el.getBoundingClientRect().height;
    if (h > 0 && Math.abs((heights.current.get(key) ?? -1) - h) > 0.5) {
      heights.current.set(key, h);
      setVersion((v) => v + 1);
    }
  }, []);

  const rows: ReactNode[] = [];
  for (let i = first; i <= last && i < items.length; i++) {
    const key = itemKey(items[i]);
    rows.push(
      <div
        key={key}
        data-index={i}
        ref={(el) => measure(key, el)}
        style={{ position: 'absolute', top: offsets[i], left: 0, right: 0 }}
      >
        {render(items[i], i)}
      </div>,
    );
  }
  return (
    <div ref={box} className={className} onScroll={onScroll} style={{ maxHeight: height, overflowY: 'auto', position: 'relative' }} data-testid="virtual-list">
      <div style={{ height: total, position: 'relative' }}>{rows}</div>
    </div>
  );
}
