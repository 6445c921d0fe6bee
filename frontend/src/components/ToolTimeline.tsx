// A session's tool calls on a time axis (one lane per tool, a bar from call to result, errors red,
// still-running calls open-ended), then the calls as a table with exact latencies.
import { useMemo, useState } from 'react';
import type { SessionToolCall } from '../api/types';
import { formatBytes, formatDuration, formatTime, parseTime, shortPath } from '../format';
import { colorFor } from './palette';

const TABLE_FIRST = 200;
const W = 1000;
const LANE = 18;
const PAD_L = 90;

export function ToolTimeline({ calls, endIso }: { calls: SessionToolCall[]; endIso: string }) {
  const [showAll, setShowAll] = useState(false);
  if (calls.length === 0) return <p className="muted">No tool calls in this session.</p>;
  return (
    <div data-testid="timeline">
      <TimelineChart calls={calls} endIso={endIso} />
      <CallTable calls={showAll ? calls : calls.slice(0, TABLE_FIRST)} />
      {!showAll && calls.length > TABLE_FIRST && (
        <button type="button" onClick={() => setShowAll(true)}>
          Show all {calls.length} calls
        </button>
      )}
    </div>
  );
}

function callTitle(c: SessionToolCall): string {
  const took = c.pending ? 'no result yet' : formatDuration(c.latency_ms);
  return `${c.tool_name} at ${formatTime(c.ts)}: ${took}${c.is_error ? ' (error)' : ''}${c.file_path ? `\n${c.file_path}` : ''}`;
}

/** The lanes chart: from the first call to the session's end (or the last result, whichever is later). */
function TimelineChart({ calls, endIso }: { calls: SessionToolCall[]; endIso: string }) {
  const lanes = useMemo(() => [...new Set(calls.map((c) => c.tool_name))], [calls]);
  const t0 = parseTime(calls[0].ts)!.getTime();
  const tEnd = Math.max(parseTime(endIso)?.getTime() ?? t0, ...calls.map((c) => parseTime(c.result_ts ?? c.ts)!.getTime()), t0 + 1000);
  const H = lanes.length * LANE + 20;
  const x = (ms: number) => PAD_L + ((ms - t0) / (tEnd - t0)) * (W - PAD_L - 8);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart__svg" role="img" aria-label="Tool calls over the session's time">
      {lanes.map((name, i) => (
        <text key={name} x={PAD_L - 6} y={i * LANE + 13} className="chart__axis" textAnchor="end">
          {name}
        </text>
      ))}
      {calls.map((c) => {
        const a = parseTime(c.ts)!.getTime();
        const b = c.result_ts ? parseTime(c.result_ts)!.getTime() : tEnd;
        const i = lanes.indexOf(c.tool_name);
        return (
          <rect
            key={c.id}
            x={x(a)}
            y={i * LANE + 3}
            width={Math.max(x(b) - x(a), 2)}
            height={LANE - 6}
            rx={2}
            fill={c.is_error ? '#ef4444' : colorFor(c.tool_name)}
            opacity={c.pending ? 0.45 : 0.9}
          >
            <title>{callTitle(c)}</title>
          </rect>
        );
      })}
      <text x={PAD_L} y={H - 4} className="chart__axis">{formatTime(calls[0].ts)}</text>
      <text x={W - 8} y={H - 4} className="chart__axis" textAnchor="end">{formatTime(new Date(tEnd).toISOString())}</text>
    </svg>
  );
}

function CallTable({ calls }: { calls: SessionToolCall[] }) {
  return (
    <table className="table compact" data-testid="timeline-table">
      <thead>
        <tr>
          <th>Time</th>
          <th>Tool</th>
          <th>File / size</th>
          <th className="num">Latency</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        {calls.map((c) => (
          <tr key={c.id}>
            <td className="mono small">{formatTime(c.ts)}</td>
            <td>
              <span className="badge" style={{ '--badge': colorFor(c.tool_name) } as React.CSSProperties}>
                {c.tool_name}
              </span>
            </td>
            <td className="small" title={c.file_path ?? undefined}>
              {c.file_path ? shortPath(c.file_path) : c.byte_count != null ? formatBytes(c.byte_count) : ''}
            </td>
            <td className="num">{c.pending ? <span className="pending">running</span> : formatDuration(c.latency_ms)}</td>
            <td>{c.pending ? '' : c.is_error ? <span className="error-mark">✗ error</span> : <span className="ok-mark">✓ {formatBytes(c.result_bytes)}</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
