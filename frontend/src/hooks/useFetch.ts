// The one fetch-state machine behind the per-endpoint hooks (useOverview, useSessions, useSession,
// useConfig): loading / data / error, aborts a stale request when the URL changes, keeps showing the
// previous data while the next loads, and can refresh on an interval.
import { useCallback, useEffect, useRef, useState } from 'react';
import { fetchJson } from '../api/client';

export interface FetchState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

export function useFetch<T>(url: string | null, refreshMs = 0): FetchState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(url !== null);
  const [tick, setTick] = useState(0);
  const lastUrl = useRef<string | null>(null);

  useEffect(() => {
    if (url === null) return;
    const ctl = new AbortController();
    if (lastUrl.current !== url) setLoading(true);
    lastUrl.current = url;
    fetchJson<T>(url, ctl.signal)
      .then((d) => {
        if (ctl.signal.aborted) return;
        setData(d);
        setError(null);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return;
        setError(e instanceof Error ? e.message : String(e));
        setLoading(false);
      });
    return () => ctl.abort();
  }, [url, tick]);

  useEffect(() => {
    if (!refreshMs || url === null) return;
    const t = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs, url]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}
