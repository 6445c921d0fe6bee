import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatBytes,
  formatCost,
  formatDay,
  formatDuration,
  formatElapsed,
  formatPercent,
  formatRate,
  formatTime,
  formatTokens,
  formatUsd,
  shortId,
  shortPath,
} from './format';

describe('format', () => {
  it('money', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(0.01)).toBe('$0.01');
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(123456.7)).toBe('$123,457');
    expect(formatUsd(-3.5)).toBe('-$3.50');
    expect(formatUsd(null)).toBe('—');
    expect(formatUsd(NaN)).toBe('—');
    expect(formatRate(0.42, 'min')).toBe('$0.42/min');
    expect(formatRate(25.2, 'hour')).toBe('$25.20/h');
    expect(formatCost(0, 'unpriced')).toBe('unpriced');
    expect(formatCost(0.5, 'rate_card')).toBe('$0.50');
    expect(formatCost(0.5, 'estimate_model_unknown')).toBe('≈$0.50');
  });

  it('tokens and bytes', () => {
    expect(formatTokens(999)).toBe('999');
    expect(formatTokens(1000)).toBe('1k');
    expect(formatTokens(1234)).toBe('1.23k');
    expect(formatTokens(12_345)).toBe('12.3k');
    expect(formatTokens(4_560_000)).toBe('4.56M');
    expect(formatTokens(45_600_000)).toBe('45.6M');
    expect(formatTokens(1_230_000_000)).toBe('1.23B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3 MB');
  });

  it('durations', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(12_345)).toBe('12 s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(2 * 3600_000 + 3 * 60_000)).toBe('2h 03m');
    expect(formatDuration(3 * 86400_000 + 4 * 3600_000)).toBe('3d 4h');
    expect(formatDuration(null)).toBe('—');
    expect(formatElapsed(7_000)).toBe('0:07');
    expect(formatElapsed(725_000)).toBe('12:05');
    expect(formatElapsed(3_723_000)).toBe('1:02:03');
    expect(formatElapsed(-5)).toBe('0:00');
  });

  it('percentages', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.123)).toBe('12.3%');
    expect(formatPercent(0.5)).toBe('50%');
    expect(formatPercent(0.0001)).toBe('<0.1%');
  });

  it('times in a given zone, DST included', () => {
    expect(formatTime('2026-11-25T12:34:56.789Z', 'UTC')).toBe('12:34:56');
    expect(formatTime('2026-11-25T12:34:56.789Z', 'Europe/Berlin')).toBe('13:34:56');
    expect(formatTime('2026-07-01T12:00:00.000Z', 'Europe/Berlin')).toBe('14:00:00');
    expect(formatTime('garbage')).toBe('—');
    expect(formatDay('2026-11-05')).toBe('5 Nov');
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(formatAgo('2026-11-25T12:00:00Z', now)).toBe('just now');
    expect(formatAgo('2026-11-25T11:59:48Z', now)).toBe('12 s ago');
    expect(formatAgo('2026-11-25T11:56:00Z', now)).toBe('4 min ago');
    expect(formatAgo('2026-11-25T10:00:00Z', now)).toBe('2 h ago');
  });

  it('ids and paths', () => {
    expect(shortId('0123456789abcdef')).toBe('01234567');
    expect(shortPath('/home/ana/src/shop/app/main.ts')).toBe('…/app/main.ts');
    expect(shortPath('a/b')).toBe('a/b');
  });
});
