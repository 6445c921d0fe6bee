// Every number and time the dashboard shows goes through these helpers, so money, tokens, durations
// and times read the same on every tab. Times are shown in the browser's time zone.

const groupInt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The browser's IANA time zone (sent to the server as ?tz=), UTC when it cannot tell. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** USD: "$0.0042" below a cent, "$12.34" below $10k, "$12,345" above. */
export function formatUsd(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  if (a === 0) return '$0.00';
  if (a < 0.01) return `${sign}$${a.toFixed(4)}`;
  if (a < 10_000) return `${sign}$${groupTwo(a)}`;
  return `${sign}$${groupInt.format(a)}`;
}

function groupTwo(a: number): string {
  const [i, f] = a.toFixed(2).split('.');
  return `${groupInt.format(Number(i))}.${f}`;
}

/** cost_source of usage that named no model, priced as the price card's estimate for its agent. */
export const ESTIMATE_MODEL_UNKNOWN = 'estimate_model_unknown';

/**
 * A cost that may be unpriced (the model is not on the price card): never a silent $0; an estimate (the
 * transcript named no model) is marked "≈".
 */
export function formatCost(usd: number, costSource?: string): string {
  if (costSource === 'unpriced') return 'unpriced';
  return costSource === ESTIMATE_MODEL_UNKNOWN ? `≈${formatUsd(usd)}` : formatUsd(usd);
}

/** "$0.42/min". */
export function formatRate(usd: number | null | undefined, per: 'min' | 'hour'): string {
  return `${formatUsd(usd)}/${per === 'min' ? 'min' : 'h'}`;
}

/** Token counts: "999", "12.3k", "4.56M", "1.23B". */
export function formatTokens(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  if (a < 1e6) return `${trim(n / 1e3, a < 1e4 ? 2 : 1)}k`;
  if (a < 1e9) return `${trim(n / 1e6, a < 1e7 ? 2 : 1)}M`;
  return `${trim(n / 1e9, 2)}B`;
}

function trim(v: number, digits: number): string {
  return v.toFixed(digits).replace(/\.?0+$/, '');
}

/** Bytes: "512 B", "1.2 KB", "3.4 MB". */
export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${trim(n / 1024, 1)} KB`;
  if (n < 1024 ** 3) return `${trim(n / 1024 ** 2, 1)} MB`;
  return `${trim(n / 1024 ** 3, 2)} GB`;
}

/** A duration in milliseconds: "850 ms", "12.3 s", "4m 05s", "2h 03m", "3d 4h". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const totalS = Math.floor(s);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const sec = totalS % 60;
  if (h === 0) return `${m}m ${pad(sec)}s`;
  if (h < 24) return `${h}h ${pad(m)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A ticking clock for running things: "0:07", "12:05", "1:02:03". */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A fraction as a percentage: "12.3%" ("0%" for zero, "<0.1%" for tiny). */
export function formatPercent(f: number | null | undefined, digits = 1): string {
  if (f == null || !Number.isFinite(f)) return '—';
  if (f === 0) return '0%';
  const p = f * 100;
  if (Math.abs(p) < 0.1) return '<0.1%';
  return `${p.toFixed(digits).replace(/\.0$/, '')}%`;
}

const timeFmt = new Map<string, Intl.DateTimeFormat>();
function fmt(key: string, tz: string | undefined, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = `${key}|${tz ?? ''}`;
  let f = timeFmt.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: tz });
    timeFmt.set(k, f);
  }
  return f;
}

/** "14:03:22" in the browser's zone (or `tz`). */
export function formatTime(iso: string | null | undefined, tz?: string): string {
  const d = parseTime(iso);
  if (!d) return '—';
  return fmt('time', tz, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(d);
}

/** "25 Nov, 14:03". */
export function formatDateTime(iso: string | null | undefined, tz?: string): string {
  const d = parseTime(iso);
  if (!d) return '—';
  return fmt('datetime', tz, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
}

/** A local calendar date "2026-11-25" as "25 Nov" (no time zone shift: it already is local). */
export function formatDay(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${Number(m[3])} ${months[Number(m[2]) - 1] ?? m[2]}`;
}

/** "just now", "12 s ago", "4 min ago", "2 h ago", "3 d ago". */
export function formatAgo(iso: string | null | undefined, nowMs: number): string {
  const d = parseTime(iso);
  if (!d) return '—';
  const s = Math.round((nowMs - d.getTime()) / 1000);
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function parseTime(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : new Date(t);
}

/** The first 8 characters of a session id: enough to tell sessions apart on screen. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** The last two components of a path ("…/src/App.tsx"), for narrow columns. */
export function shortPath(p: string | null | undefined): string {
  if (!p) return '';
  const parts = p.split('/').filter(Boolean);
  return parts.length <= 2 ? p : `…/${parts.slice(-2).join('/')}`;
}
