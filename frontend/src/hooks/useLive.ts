// The live store, shared with every pane through context (the App owns the one useEventStream), and a
// selector hook so each pane re-renders only for the slice it shows.
import { createContext, useContext } from 'react';
import { LiveStore, type LiveState } from '../api/liveStore';
import { useLiveState } from './useEventStream';

export const LiveContext = createContext<LiveStore | null>(null);

export function useLive<T>(select: (s: LiveState) => T): T {
  const store = useContext(LiveContext);
  if (!store) throw new Error('useLive needs a LiveContext provider');
  return useLiveState(store, select);
}
