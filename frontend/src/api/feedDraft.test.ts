// The feed's bookkeeping on its own: new rows on top in arrival order, the 100-row cap, edits that copy
// the feed once and leave untouched rows (and the caller's array) as they were, duplicates refused.
import { describe, expect, it } from 'vitest';
import { call, usage } from '../test/fixtures';
import { FeedDraft, mergeFresh } from './feedDraft';
import { FEED_LIMIT, type FeedItem, type UsageItem } from './liveState';

const row = (id: number, seq = 0): FeedItem => ({ kind: 'usage', key: `u${id}`, seq, usage: usage(id), updates: 0 });
const keys = (items: FeedItem[]) => items.map((f) => f.key);

describe('mergeFresh', () => {
  it('numbers new rows after `received` and puts them on top, newest first', () => {
    const { feed, received } = mergeFresh([row(1, 1)], [row(2), row(3)], 1);
    expect(keys(feed)).toEqual(['u3', 'u2', 'u1']);
    expect(feed.map((f) => f.seq)).toEqual([3, 2, 1]);
    expect(received).toBe(3);
  });

  it('keeps at most FEED_LIMIT rows, dropping the oldest', () => {
    const old = Array.from({ length: FEED_LIMIT }, (_, i) => row(FEED_LIMIT - i));  // u100 .. u1
    const { feed } = mergeFresh(old, [row(101), row(102)], FEED_LIMIT);
    expect(feed).toHaveLength(FEED_LIMIT);
    expect(keys(feed).slice(0, 3)).toEqual(['u102', 'u101', 'u100']);
    expect(feed[FEED_LIMIT - 1].key).toBe('u3');
  });

  it('more new rows than the limit: only the newest are kept', () => {
    const fresh = Array.from({ length: FEED_LIMIT + 5 }, (_, i) => row(i + 1));
    const { feed, received } = mergeFresh([row(0)], fresh, 0);
    expect(feed).toHaveLength(FEED_LIMIT);
    expect(feed[0].key).toBe(`u${FEED_LIMIT + 5}`);
    expect(feed[FEED_LIMIT - 1].key).toBe('u6');
    expect(received).toBe(FEED_LIMIT + 5);
  });
});

describe('FeedDraft', () => {
  const always = () => true;

  it('refuses a row whose key was seen', () => {
    const seen = new Set<string>();
    const d = new FeedDraft([], (k) => !seen.has(k) && Boolean(seen.add(k)));
    expect(d.add(row(1))).toBe(true);
    expect(d.add(row(1))).toBe(false);
    expect(keys(d.fresh)).toEqual(['u1']);
  });

  it('edits a row on screen in a copy of the feed, once, leaving the other rows as they were', () => {
    const before = [row(2, 2), row(1, 1)];
    const d = new FeedDraft(before, always);
    const old = d.update<UsageItem>('u1', (it) => ({ ...it, updates: it.updates + 1 }));
    d.update<UsageItem>('u1', (it) => ({ ...it, updates: it.updates + 1 }));
    expect(old).toBe(before[1]);
    const { feed, received } = d.finish(2);
    expect(feed).not.toBe(before);
    expect(before[1]).toEqual(row(1, 1));  // the caller's array is untouched
    expect((feed[1] as UsageItem).updates).toBe(2);
    expect(feed[0]).toBe(before[0]);
    expect(received).toBe(2);
  });

  it('edits a row new in this flush before looking at the feed; a missing row is no edit', () => {
    const before = [row(1, 1)];
    const d = new FeedDraft(before, always);
    d.add({ kind: 'call', key: 't5', seq: 0, call: call(5) });
    expect(d.update('t5', (it) => ({ ...it, seq: 0 }))).toBeDefined();
    expect(d.update('t9', (it) => it)).toBeUndefined();
    expect(d.finish(1).feed[1]).toBe(before[0]);
  });

  it('a flush with no new row and no edit gives back the same feed array', () => {
    const before = [row(1, 1)];
    expect(new FeedDraft(before, always).finish(1).feed).toBe(before);
  });
});
