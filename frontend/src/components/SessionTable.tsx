// The session list: sortable headers (the server sorts; aria-sort says how), one row per session,
// each row a link to the session's page.
import { memo } from 'react';
import type { SessionSortKey, SessionSummary } from '../api/types';
import { linkClick } from '../hooks/useRoute';
import { AgentChip } from './AgentChip';
import { formatDateTime, formatDuration, formatTokens, formatUsd, shortId } from '../format';

const COLUMNS: { key: SessionSortKey; label: string; num?: boolean }[] = [
  { key: 'last_at', label: 'Last activity' },
  { key: 'project', label: 'Project' },
  { key: 'model', label: 'Model' },
  { key: 'cost', label: 'Cost', num: true },
  { key: 'tokens', label: 'Tokens', num: true },
  { key: 'duration', label: 'Duration', num: true },
  { key: 'tool_calls', label: 'Tool calls', num: true },
  { key: 'errors', label: 'Errors', num: true },
];

export function SessionTable({
  rows,
  sort,
  dir,
  onSort,
}: {
  rows: SessionSummary[];
  sort: SessionSortKey;
  dir: 'asc' | 'desc';
  onSort: (key: SessionSortKey) => void;
}) {
  return (
    <table className="table sessions" data-testid="session-table">
      <thead>
        <tr>
          <th>Session</th>
          <th>Machine</th>
          {COLUMNS.map((c) => (
            <th key={c.key} className={c.num ? 'num' : undefined} aria-sort={sort === c.key ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
              <button type="button" className="sort" onClick={() => onSort(c.key)}>
                {c.label}
                <span aria-hidden="true" className="sort__arrow">{sort === c.key ? (dir === 'asc' ? '▲' : '▼') : ''}</span>
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => (
          <SessionRow key={s.session_row} s={s} />
        ))}
      </tbody>
    </table>
  );
}

const SessionRow = memo(function SessionRow({ s }: { s: SessionSummary }) {
  const href = `/sessions/${s.session_row}`;
  return (
    <tr>
      <td>
        <a href={href} onClick={linkClick(href)} className="mono" title={s.session_id}>
          {shortId(s.session_id)}
        </a>{' '}
        <AgentChip name={s.provider} small />
      </td>
      <td className="small" data-testid="session-machine" title={s.user ? `user ${s.user}` : undefined}>
        {s.machine || '—'}
        {s.user && <span className="muted"> · {s.user}</span>}
      </td>
      <td className="small">{formatDateTime(s.last_at)}</td>
      <td>{s.project}</td>
      <td className="small">{s.model || 'model unknown'}</td>
      <td className="num">
        {(s.estimated_events ?? 0) > 0 && (
          <span title={`${s.estimated_events} responses name no model: their cost is an estimate`}>≈</span>
        )}
        {formatUsd(s.cost_usd)}
        {s.unpriced_events > 0 && <span className="unpriced small" title={`${s.unpriced_events} usage events of models the price card does not know`}> +unpriced</span>}
      </td>
      <td className="num">{formatTokens(s.total_tokens)}</td>
      <td className="num">{s.duration_s == null ? '—' : formatDuration(s.duration_s * 1000)}</td>
      <td className="num">{s.tool_calls}</td>
      <td className={s.tool_errors > 0 ? 'num error-mark' : 'num'}>{s.tool_errors}</td>
    </tr>
  );
});
