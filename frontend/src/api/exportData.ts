// CSV and JSON downloads of what a tab shows (the Overview's days, the Sessions tab's page), built from
// the data the tab already has, so a download is exactly what is on screen with the same filters. The CSV
// follows the terminal report's (docs/reports.md): RFC 4180 quoting, "\n" line ends, and a text cell that
// starts with = + - @ (or a tab or CR) prefixed with ' so that a spreadsheet never runs it as a formula.
import type { Overview, SessionPage, TokenTotals } from './types';

export type Cell = string | number | boolean | null | undefined;

/** One CSV cell: numbers as they are; text quoted when it holds , " CR or LF, formulas guarded. */
export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

export interface ExportFile {
  name: string;
  csv: string;
  json: string;
}

function tokenFields(t: TokenTotals) {
  return { input: t.input, output: t.output, cache_create: t.cache_create, cache_read: t.cache_read, total: t.input + t.output + t.cache_create + t.cache_read };
}

const TOKEN_HEADER = ['input_tokens', 'output_tokens', 'cache_create_tokens', 'cache_read_tokens', 'total_tokens'];

function tokenCells(t: TokenTotals): Cell[] {
  const f = tokenFields(t);
  return [f.input, f.output, f.cache_create, f.cache_read, f.total];
}

/** The Overview's days (each day on the chart, empty ones included) and totals, as `report daily` prints them. */
export function overviewExport(o: Overview): ExportFile {
  const provider = o.provider ?? '';
  const rows = o.days.map((d) => ({
    key: d.date,
    date: d.date,
    start: d.start,
    cost_usd: d.cost_usd,
    tokens: tokenFields(d.tokens),
    models: Object.keys(d.by_model).filter((m) => d.by_model[m] > 0).sort(),
    events: d.events,
    unpriced_events: d.unpriced_events,
  }));
  const doc = {
    report: 'overview',
    tz: o.tz,
    since: o.days[0]?.date ?? '',
    until: o.days[o.days.length - 1]?.date ?? '',
    from: o.range.from,
    to: o.range.to,
    filters: { agent: provider },
    generated_at: o.as_of,
    rows,
    totals: { cost_usd: o.totals.cost_usd, tokens: tokenFields(o.totals.tokens), events: o.totals.events, unpriced_events: o.totals.unpriced_events },
  };
  const csv = toCsv(
    ['date', ...TOKEN_HEADER, 'cost_usd', 'events', 'models'],
    rows.map((r) => [r.date, r.tokens.input, r.tokens.output, r.tokens.cache_create, r.tokens.cache_read, r.tokens.total, r.cost_usd, r.events, r.models.join('; ')]),
  );
  const name = ['agentpulse-overview', doc.since, doc.until, provider].filter(Boolean).join('-');
  return { name, csv, json: JSON.stringify(doc, null, 2) + '\n' };
}

export interface SessionExportQuery {
  project: string;
  model: string;
  provider: string;
  q: string;
  sort: string;
  dir: string;
  page: number;
}

/** The Sessions tab's page as shown: its rows in their order, with the filters and sort that chose them. */
export function sessionsExport(p: SessionPage, query: SessionExportQuery): ExportFile {
  const doc = {
    report: 'sessions',
    filters: { project: query.project, model: query.model, agent: query.provider, q: query.q },
    sort: query.sort,
    dir: query.dir,
    page: query.page,
    offset: p.offset,
    total: p.total,
    rows: p.sessions.map((s) => ({ ...s, key: s.session_id, tokens: { ...s.tokens, total: s.total_tokens } })),
  };
  const csv = toCsv(
    ['session_id', 'provider', 'project', 'model', 'started_at', 'last_at', 'duration_s', 'cost_usd', ...TOKEN_HEADER, 'events', 'tool_calls', 'tool_errors', 'cwd', 'git_branch'],
    p.sessions.map((s) => [s.session_id, s.provider, s.project, s.model, s.started_at, s.last_at, s.duration_s, s.cost_usd, ...tokenCells(s.tokens), s.events, s.tool_calls, s.tool_errors, s.cwd, s.git_branch]),
  );
  return { name: `agentpulse-sessions-page${query.page}`, csv, json: JSON.stringify(doc, null, 2) + '\n' };
}

/** Saves `text` as a file through a temporary link (the browser's download). */
export function saveFile(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
