// One flush's changes to the feed: rows new in this flush (oldest first), in-place edits of rows already
// on screen (the feed array is copied once, on the first edit, so untouched rows keep their identity and
// memoised rows do not re-render), and the merge that puts the new rows on top.
import { FEED_LIMIT, type FeedItem } from './liveState';

export class FeedDraft {
  /** Rows new in this flush, oldest first. */
  readonly fresh: FeedItem[] = [];
  private feed: FeedItem[];
  private copied = false;

  /** `remember(key)` is false for a row seen before (a replay overlapping what we had). */
  constructor(feed: FeedItem[], readonly remember: (key: string) => boolean) {
    this.feed = feed;
  }

  /** Adds a new row unless its key was seen before; true when added. */
  add(item: FeedItem): boolean {
    if (!this.remember(item.key)) return false;
    this.fresh.push(item);
    return true;
  }

  /**
   * Replaces the row with this key (new in this flush or still on screen) by `edit(row)`; returns the row
   * as it was, or undefined when it is not held (scrolled out: nothing to update).
   */
  update<T extends FeedItem>(key: string, edit: (row: T) => T): T | undefined {
    const fi = this.fresh.findIndex((f) => f.key === key);
    if (fi >= 0) {
      const row = this.fresh[fi] as T;
      this.fresh[fi] = edit(row);
      return row;
    }
    const i = this.feed.findIndex((f) => f.key === key);
    if (i < 0) return undefined;
    const row = this.feed[i] as T;
    if (!this.copied) {
      this.feed = this.feed.slice();
      this.copied = true;
    }
    this.feed[i] = edit(row);
    return row;
  }

  /** The feed after this flush and the new arrival count (`received` before it + the new rows). */
  finish(received: number): { feed: FeedItem[]; received: number } {
    if (this.fresh.length === 0) return { feed: this.feed, received };
    return mergeFresh(this.feed, this.fresh, received);
  }
}

/**
 * Numbers the new rows in arrival order and puts them on top of the feed, newest first, keeping at most
 * FEED_LIMIT rows: no sorting, as both lists are already in order.
 */
export function mergeFresh(feed: FeedItem[], fresh: FeedItem[], received: number): { feed: FeedItem[]; received: number } {
  let seq = received;
  for (const f of fresh) f.seq = ++seq;
  const keep = Math.max(0, FEED_LIMIT - fresh.length);
  const next: FeedItem[] = [];
  for (let i = fresh.length - 1; i >= 0 && next.length < FEED_LIMIT; --i) next.push(fresh[i]);
  for (let i = 0; i < feed.length && i < keep; ++i) next.push(feed[i]);
  return { feed: next, received: seq };
}
