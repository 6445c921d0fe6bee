// A session's cumulative cost over time (a step line: cost lands with each API response).
import type { SessionDetail } from '../api/types';
import { formatTime, formatUsd, parseTime } from '../format';

export function CostChart({ series }: { series: SessionDetail['cost_series'] }) {
  if (series.length === 0) return <p className="muted">No usage events in this session.</p>;
  const W = 1000;
  const H = 160;
  const pad = { l: 56, r: 10, t: 10, b: 22 };
  const t0 = parseTime(series[0].ts)!.getTime();
  const t1 = Math.max(parseTime(series[series.length - 1].ts)!.getTime(), t0 + 1000);
  const max = Math.max(series[series.length - 1].cumulative_usd, 1e-6);
  const x = (ts: string) => pad.l + ((parseTime(ts)!.getTime() - t0) / (t1 - t0)) * (W - pad.l - pad.r);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  let d = `M${pad.l},${y(0)}`;
  let prev = 0;
  for (const p of series) {
    const px = x(p.ts);
    d += `L${px.toFixed(1)},${y(prev).toFixed(1)}L${px.toFixed(1)},${y(p.cumulative_usd).toFixed(1)}`;
    prev = p.cumulative_usd;
  }
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart__svg" role="img" aria-label="Cumulative cost over the session" data-testid="cost-chart">
      <line x1={pad.l} x2={W - pad.r} y1={y(0)} y2={y(0)} className="chart__grid" />
      <line x1={pad.l} x2={W - pad.r} y1={y(max)} y2={y(max)} className="chart__grid" />
      <text x={pad.l - 6} y={y(max) + 4} className="chart__axis" textAnchor="end">{formatUsd(max)}</text>
      <text x={pad.l - 6} y={y(0) + 4} className="chart__axis" textAnchor="end">$0</text>
      <text x={pad.l} y={H - 6} className="chart__axis">{formatTime(series[0].ts)}</text>
      <text x={W - pad.r} y={H - 6} className="chart__axis" textAnchor="end">{formatTime(series[series.length - 1].ts)}</text>
      <path d={d} className="chart__line" />
    </svg>
  );
}
